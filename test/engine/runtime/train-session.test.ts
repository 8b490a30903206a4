// The train-step runner: buffers reused across steps (ONNX Runtime writes into two swapped sets), a tiny
// model overfits a paragraph, accumulation over micro-batches equals one big batch, checkpoint state
// round-trips, and the saved model folder scores through the inference graphs as evalLoss says.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/engine/model/config';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { writeSafetensors } from '../../../src/engine/model/safetensors-write';
import { Rng } from '../../../src/engine/model/rng';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { LlamaTrainSession } from '../../../src/engine/runtime/train-session';
import type { Batch } from '../../../src/engine/train/windows';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const PARAGRAPH =
  'Branch-Train-Merge trains a forest of expert language models. Each expert starts from a seed, ' +
  'is trained on its own domain, and the forest is later merged or ensembled at inference time.';
const chars = [...new Set(PARAGRAPH)].sort();
const tokens = [...PARAGRAPH].map((c) => chars.indexOf(c));
const config = parseModelConfig({ architecture: 'LlamaForCausalLM', vocabSize: chars.length, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, tieWordEmbeddings: true });
const runners: LlamaTrainSession[] = [];
afterAll(async () => {
  for (const r of runners) await r.close();
});

/** B random windows of the paragraph (T inputs, T shifted targets), from a stream named by `step`. */
function windows(B: number, T: number, step: number): Batch {
  const rng = new Rng(1, `batch-${step}`);
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const start = rng.nextUint32() % (tokens.length - T);
    for (let t = 0; t < T; t++) {
      inputs[b * T + t] = tokens[start + t]!;
      targets[b * T + t] = tokens[start + t + 1]!;
    }
  }
  return { inputs, targets };
}

async function runner(o: { batchSize: number; contextLength: number; accumulationSteps?: number }, seed = 0): Promise<LlamaTrainSession> {
  const r = await LlamaTrainSession.create(config, { ...o, threads: 1, adamw: { weightDecay: 0 } }, seed);
  runners.push(r);
  return r;
}

describe('LlamaTrainSession', () => {
  it('reuses its two sets of state buffers, step after step', async () => {
    const r = await runner({ batchSize: 2, contextLength: 8 });
    const buffers = new Set(r.stateBuffers());
    const exported = async () => (await r.exportState()).filter((t) => t.name !== 'optimizer.step').map((t) => t.data as Float32Array);
    const before = (await exported()).map((d) => d.buffer);
    const first = Float32Array.from((await exported())[0]!);
    await r.step(windows(2, 8, 0), 1e-2);
    const after1 = (await exported()).map((d) => d.buffer);
    await r.step(windows(2, 8, 1), 1e-2);
    const after2 = await exported();
    expect(after1.every((b, i) => b !== before[i])).toBe(true); // step 1 wrote into the other set
    expect(after2.every((d, i) => d.buffer === before[i])).toBe(true); // step 2 wrote back into the first set
    expect(after2[0]!.some((v, i) => v !== first[i])).toBe(true); // ...with new values
    expect(r.stateBuffers().every((b) => buffers.has(b))).toBe(true);
    expect(buffers.size).toBe(2 * 3 * r.specs.length);
  });

  it('overfits a paragraph (loss < 0.1)', async () => {
    const r = await runner({ batchSize: 8, contextLength: 32 });
    // The paragraph as 8 fixed windows of 32 characters, memorised by repetition (linear lr decay).
    const paragraph = windows(8, 32, -1);
    const first = await r.evalLoss(paragraph);
    const steps = 300;
    for (let step = 0; step < steps; step++) await r.step(paragraph, 1e-2 * (1 - step / steps));
    const final = await r.evalLoss(paragraph);
    expect(first).toBeGreaterThan(2.5);
    expect(final).toBeLessThan(0.1);
    console.log(`overfit: loss ${first.toFixed(3)} -> ${final.toFixed(4)} in ${steps} steps`);
  });

  it('accumulating 2 micro-batches gives the same step as one batch', async () => {
    const one = await runner({ batchSize: 4, contextLength: 8 }, 5);
    const two = await runner({ batchSize: 4, contextLength: 8, accumulationSteps: 2 }, 5);
    for (let s = 0; s < 2; s++) {
      const a = await one.step(windows(4, 8, s), 1e-2);
      const b = await two.step(windows(4, 8, s), 1e-2);
      expect(b.loss).toBeCloseTo(a.loss, 5);
      expect(b.gradNorm).toBeCloseTo(a.gradNorm, 4);
    }
    const [sa, sb] = [await one.exportState(), await two.exportState()];
    for (const [i, t] of sa.entries()) {
      const x = t.data as Float32Array;
      const y = sb[i]!.data as Float32Array;
      expect(sb[i]!.name).toBe(t.name);
      for (let k = 0; k < x.length; k++) expect(Math.abs(x[k]! - y[k]!)).toBeLessThan(1e-5);
    }
  });

  it('exports and imports state: a restored runner continues identically', async () => {
    const a = await runner({ batchSize: 2, contextLength: 8 }, 1);
    for (let s = 0; s < 3; s++) await a.step(windows(2, 8, s), 1e-2);
    const file = join(dir, 'state.safetensors');
    await writeSafetensors(file, await a.exportState());
    const b = await runner({ batchSize: 2, contextLength: 8 }, 2);
    const reader = await SafetensorsFile.open(file);
    await b.importState(reader);
    await reader.close();
    expect(b.stepCount).toBe(3);
    const ra = await a.step(windows(2, 8, 3), 1e-2);
    const rb = await b.step(windows(2, 8, 3), 1e-2);
    expect(rb).toEqual(ra);
  });

  it('saves a model folder whose inference score graph agrees with evalLoss', async () => {
    const r = await runner({ batchSize: 2, contextLength: 16 }, 3);
    for (let s = 0; s < 5; s++) await r.step(windows(2, 16, s), 1e-2);
    const folder = join(dir, 'trained');
    await r.saveModel(folder);
    const batch = windows(2, 16, 99);
    const model = await LlamaModel.open(folder, { threads: 1 });
    const logprobs = await model.score(batch.inputs, batch.targets, 2);
    await model.close();
    const mean = -logprobs.reduce((s, v) => s + v, 0) / logprobs.length;
    expect(Math.abs(mean - (await r.evalLoss(batch)))).toBeLessThan(1e-4);
  });
});
