// Runs the independent PyTorch reference (llama_ref.py) on tiny models written by Grove's own init and
// safetensors writer, and reads its outputs back with Grove's reader: the TS <-> Python round trip.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfigInput } from '../../src/engine/model/config';
import type { WriteDtype } from '../../src/engine/model/dtype';
import { writeModelFolder } from '../../src/engine/model/folder';
import { initParameters } from '../../src/engine/model/init';
import { parameterSpecs } from '../../src/engine/model/names';
import { Rng } from '../../src/engine/model/rng';
import { ropeInverseFrequencies } from '../../src/engine/model/rope';
import { SafetensorsFile } from '../../src/engine/model/safetensors';
import { tempDir } from '../helpers/tmp';
import { PYTHON, torchFor } from '../helpers/torch';

const HERE = import.meta.dirname;
const torchAvailable = torchFor('the PyTorch reference round trip (test/golden)');

const dir = tempDir();
const ADAMW = { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

interface Summary {
  loss: number;
  self_check?: { checked: number; max_abs_err: number; max_rel_err: number; failures: unknown[] };
}

/** Writes a model with Grove's init + writer, runs the reference on it, opens the output with Grove's reader. */
async function runReference(name: string, input: ModelConfigInput, weightsDtype: WriteDtype, computeDtype: 'float32' | 'float64') {
  const config = parseModelConfig(input);
  const folder = join(dir, name);
  mkdirSync(folder);
  const tensors = [...initParameters(config, 2024)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  await writeModelFolder(folder, { config, tensors }, { dtype: weightsDtype });
  const rng = new Rng(7, 'tokens');
  const ids = [0, 1].map(() => Array.from({ length: 9 }, () => rng.nextUint32() % config.vocabSize)); // [B=2, T=9]
  writeFileSync(join(folder, 'ids.json'), JSON.stringify({ input_ids: ids }));
  const out = join(folder, 'golden.safetensors');
  const stdout = execFileSync(
    PYTHON,
    [
      join(HERE, 'llama_ref.py'),
      '--model',
      folder,
      '--tokens',
      join(folder, 'ids.json'),
      '--out',
      out,
      '--dtype',
      computeDtype,
      '--self-check',
      '--lr',
      String(ADAMW.lr),
      '--beta1',
      String(ADAMW.beta1),
      '--beta2',
      String(ADAMW.beta2),
      '--eps',
      String(ADAMW.eps),
      '--weight-decay',
      String(ADAMW.weightDecay),
    ],
    { encoding: 'utf8' },
  );
  const weights = await SafetensorsFile.open(join(folder, 'model.safetensors'));
  return { config, weights, ids, summary: JSON.parse(stdout) as Summary, golden: await SafetensorsFile.open(out) };
}

type ReferenceRun = Awaited<ReturnType<typeof runReference>>;

/** Mean next-token cross-entropy recomputed from the reference's logits [B,T,V]. */
function lossFromLogits(logits: Float32Array, ids: number[][], V: number): number {
  let total = 0,
    count = 0;
  ids.forEach((row, b) => {
    for (let t = 0; t + 1 < row.length; t++) {
      const base = (b * row.length + t) * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) max = Math.max(max, logits[base + v]!);
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(logits[base + v]! - max);
      total += max + Math.log(sum) - logits[base + row[t + 1]!]!;
      count++;
    }
  });
  return total / count;
}

async function checkOutputs(run: ReferenceRun): Promise<void> {
  const { config, weights, ids, summary, golden } = run;
  const V = config.vocabSize;
  // The reference's own float64 gradient check passed on this config.
  expect(summary.self_check!.failures).toEqual([]);
  expect(summary.self_check!.checked).toBeGreaterThanOrEqual(3 * parameterSpecs(config).length);
  expect(summary.self_check!.max_rel_err).toBeLessThan(1e-5);
  // At init (std 0.02, logits near 0) the model is close to uniform over the vocabulary.
  expect(Math.abs(summary.loss - Math.log(V))).toBeLessThan(0.1);
  expect(golden.info('logits').shape).toEqual([2, 9, V]);
  const fileLoss = (await golden.readFloat32('loss'))[0]!;
  expect(fileLoss).toBeCloseTo(summary.loss, 6);
  expect(lossFromLogits(await golden.readFloat32('logits'), ids, V)).toBeCloseTo(summary.loss, 5);
  // Every parameter has a gradient and an updated value under its HF name, and nothing else is there.
  const specs = parameterSpecs(config);
  expect([...golden.tensorNames].sort()).toEqual(
    ['logits', 'loss', 'rope.inv_freq', ...specs.flatMap((s) => [`grad.${s.name}`, `adamw.${s.name}`])].sort(),
  );
  // AdamW's first step from fresh state is p (1 - lr wd) - lr g / (|g| + eps): check it element-wise.
  const { lr, eps, weightDecay } = ADAMW;
  for (const spec of specs) {
    expect(golden.info(`grad.${spec.name}`).shape, spec.name).toEqual(spec.shape);
    const g = await golden.readFloat32(`grad.${spec.name}`);
    const updated = await golden.readFloat32(`adamw.${spec.name}`);
    const p0 = await weights.readFloat32(spec.name); // as the reference saw them, after the file's dtype rounding
    let worst = 0;
    for (let i = 0; i < g.length; i++) {
      const expected = p0[i]! * (1 - lr * weightDecay) - (lr * g[i]!) / (Math.abs(g[i]!) + eps);
      worst = Math.max(worst, Math.abs(updated[i]! - expected));
    }
    expect(worst, spec.name).toBeLessThan(1e-6);
    expect(
      g.some((x) => x !== 0),
      `${spec.name} has a gradient`,
    ).toBe(true);
  }
  const inv = await golden.readFloat32('rope.inv_freq');
  const ours = ropeInverseFrequencies(config);
  expect(inv.length).toBe(config.headDim / 2);
  inv.forEach((x, i) => expect(Math.abs(x - ours[i]!) / ours[i]!, `inv_freq[${i}]`).toBeLessThan(2.5e-7));
}

describe.skipIf(!torchAvailable)('PyTorch reference (test/golden/llama_ref.py)', () => {
  it('Llama, tied embeddings, GQA, f32 weights: loss ~ ln V, gradients, AdamW, rope', async () => {
    const run = await runReference(
      'llama',
      {
        architecture: 'LlamaForCausalLM',
        vocabSize: 97,
        hiddenSize: 32,
        intermediateSize: 64,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        numKeyValueHeads: 2,
        tieWordEmbeddings: true,
      },
      'F32',
      'float32',
    );
    await checkOutputs(run);
    await Promise.all([run.golden.close(), run.weights.close()]);
  });

  it('Qwen2 with q/k/v biases, untied lm_head, f16 weights', async () => {
    const run = await runReference(
      'qwen2',
      {
        architecture: 'Qwen2ForCausalLM',
        vocabSize: 61,
        hiddenSize: 24,
        intermediateSize: 40,
        numHiddenLayers: 2,
        numAttentionHeads: 3,
        numKeyValueHeads: 1,
        qkvBias: true,
        ropeTheta: 1e6,
      },
      'F16',
      'float32',
    );
    await checkOutputs(run);
    expect(run.golden.has('grad.lm_head.weight') && run.golden.has('grad.model.layers.1.self_attn.v_proj.bias')).toBe(true);
    await Promise.all([run.golden.close(), run.weights.close()]);
  });

  it('Llama with attention_bias and llama3 rope scaling, bf16 weights, computed in float64', async () => {
    const ropeScaling = { ropeType: 'llama3' as const, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
    const run = await runReference(
      'llama3',
      {
        architecture: 'LlamaForCausalLM',
        vocabSize: 50,
        hiddenSize: 16,
        intermediateSize: 32,
        numHiddenLayers: 1,
        numAttentionHeads: 2,
        qkvBias: true,
        oBias: true,
        ropeScaling,
      },
      'BF16',
      'float64',
    );
    await checkOutputs(run);
    expect(run.golden.info('logits').dtype).toBe('F64');
    // head size 8: frequencies 1, 0.1, 0.01, 0.001 hit the unchanged, smoothed and divided branches.
    const inv = await run.golden.readFloat32('rope.inv_freq');
    expect(inv[0]).toBeCloseTo(1, 6);
    expect(inv[3]).toBeCloseTo(0.001 / 8, 9);
    await Promise.all([run.golden.close(), run.weights.close()]);
  });
});

describe.skipIf(!torchAvailable)('Rng against its Python twin (test/golden/grove_rng.py)', () => {
  it('draws the same normals for a seed and stream, so init is the documented algorithm', () => {
    for (const [seed, stream] of [
      [42, 'model.embed_tokens.weight'],
      [4294967295, 'é→ü'],
    ] as const) {
      const python = JSON.parse(
        execFileSync(PYTHON, [join(HERE, 'grove_rng.py'), String(seed), stream, '1001'], { encoding: 'utf8' }),
      ) as number[];
      const rng = new Rng(seed, stream);
      python.forEach((z, i) => expect(Math.abs(rng.normal() - z), `normal ${i}`).toBeLessThan(1e-12));
    }
  });
});
