// The light train step (a LlamaTrainer with `lora`): against the independent PyTorch reference, which trains
// A and B through the merged weight W0 + (alpha / r) B A (loss, adapter gradients within 1e-3 relative,
// one AdamW step within 1e-5); the base weights bit for bit unchanged after several steps, fused and
// micro-batched; micro-batched light steps equal the fused one; a fresh adapter (B = 0) starts at exactly
// the base model's loss and trains; the adapter it saves reloads as the same tensors.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTER_WEIGHTS_FILE, peftName, readAdapterFolder, writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { readModelFolder } from '../../../src/engine/model/folder';
import { loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount, parameterSpecs } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { LlamaTrainer } from '../../../src/engine/train/step-runner';
import { stateName } from '../../../src/engine/train/state-names';
import { repoRoot } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { PYTHON, torchFor } from '../../helpers/torch';

const torchAvailable = torchFor('light train-step parity');
const dir = tempDir();
const trainers: LlamaTrainer[] = [];
afterAll(async () => {
  for (const t of trainers) await t.close();
});

const ADAMW = { lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
const base = {
  vocabSize: 61,
  hiddenSize: 16,
  intermediateSize: 32,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  initializerRange: 0.2,
  rmsNormEps: 1e-5,
};
const cases: { name: string; config: ModelConfigInput; lora: LoraConfig }[] = [
  {
    name: 'llama-gqa-tied-all',
    config: { architecture: 'LlamaForCausalLM', ...base, numKeyValueHeads: 2, tieWordEmbeddings: true },
    lora: { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
  },
  {
    name: 'qwen2-bias-some',
    config: { architecture: 'Qwen2ForCausalLM', ...base, numKeyValueHeads: 1, qkvBias: true },
    lora: { rank: 2, alpha: 3, targets: ['k_proj', 'o_proj', 'up_proj'] },
  },
];

function randomRows(vocab: number, B: number, T: number, seed: string): number[][] {
  const rng = new Rng(1, seed);
  return Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => rng.nextUint32() % vocab));
}
const batchOf = (rows: number[][]) => ({
  inputs: new Int32Array(rows.flatMap((r) => r.slice(0, -1))),
  targets: new Int32Array(rows.flatMap((r) => r.slice(1))),
});

/** Largest |a - b| relative to the largest |b|. */
function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-30);
}

describe.skipIf(!torchAvailable)('light train step vs the PyTorch reference', () => {
  for (const c of cases) {
    it(`${c.name}: loss, adapter gradients and one AdamW step agree`, async () => {
      const folder = join(dir, c.name);
      await writeTestModel(folder, c.config, { seed: 5 });
      const config = parseModelConfig(c.config);
      // A and B both random, so both have gradients (with PEFT's B = 0, A's gradient is zero).
      const tensors = new Map(
        loraSpecs(config, c.lora).map((s) => [s.name, new Rng(3, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, 0.3)]),
      );
      await writeAdapterFolder(folder, { config, lora: c.lora, baseModel: 'test-base', tensors });
      const B = 2;
      const T = 8;
      const rows = randomRows(config.vocabSize, B, T, c.name);
      writeFileSync(join(folder, 'ids.json'), JSON.stringify({ input_ids: rows }));
      const out = join(folder, 'golden.safetensors');
      const stdout = execFileSync(
        PYTHON,
        [
          join(repoRoot, 'test/golden/llama_ref.py'),
          '--model',
          folder,
          '--tokens',
          join(folder, 'ids.json'),
          '--out',
          out,
          '--dtype',
          'float32',
          '--decay',
          'matrices',
          '--adapter',
          folder,
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
      // The reference's own float64 finite-difference check of the adapter gradients passed.
      const summary = JSON.parse(stdout) as { adapter: boolean; self_check: { checked: number; failures: unknown[] } };
      expect(summary.adapter).toBe(true);
      expect(summary.self_check.failures).toEqual([]);
      expect(summary.self_check.checked).toBe(3 * loraSpecs(config, c.lora).length);
      const golden = await SafetensorsFile.open(out);

      const trainer = await LlamaTrainer.create(config, {
        batchSize: B,
        contextLength: T,
        threads: 1,
        lora: c.lora,
        optimizer: { ...ADAMW, decay: 'matrices', maxGradNorm: Infinity },
      });
      trainers.push(trainer);
      const { weights } = await readModelFolder(folder);
      await trainer.loadWeights(weights);
      await weights.close();
      const adapter = await readAdapterFolder(folder, config);
      await trainer.loadAdapter(adapter.weights);
      await adapter.weights.close();
      const { loss } = await trainer.step(batchOf(rows), ADAMW.lr);
      expect(loss).toBeCloseTo((await golden.readFloat32('loss'))[0]!, 5);
      // Only adapter tensors are trained: the reference wrote gradients for exactly those.
      expect(golden.tensorNames.filter((n) => n.startsWith('grad.')).sort()).toEqual(
        loraSpecs(config, c.lora)
          .map((s) => `grad.${peftName(s.name)}`)
          .sort(),
      );
      for (const s of loraSpecs(config, c.lora)) {
        // After one step m = (1 - beta1) * g, so the gradient is recovered exactly from the moment.
        const g = trainer.tensor(stateName('m', s.name)).map((m) => m / (1 - ADAMW.beta1));
        expect(relDiff(g, await golden.readFloat32(`grad.${peftName(s.name)}`)), `gradient of ${s.name}`).toBeLessThanOrEqual(1e-3);
        const p = trainer.tensor(s.name);
        const ref = await golden.readFloat32(`grad.${peftName(s.name)}`);
        const refP = await golden.readFloat32(`adamw.${peftName(s.name)}`);
        // As in step-runner.test.ts: entries with 0 < |g| < 1e-6 flip sign under float32 rounding; left out, and rare.
        let worst = 0;
        let skipped = 0;
        for (let i = 0; i < p.length; i++) {
          if (ref[i] !== 0 && Math.abs(ref[i]!) < 1e-6) skipped++;
          else worst = Math.max(worst, Math.abs(p[i]! - refP[i]!));
        }
        expect(skipped / p.length, `ill-conditioned entries of ${s.name}`).toBeLessThan(0.05);
        expect(worst, `AdamW step of ${s.name}`).toBeLessThanOrEqual(1e-5);
      }
      await golden.close();
    });
  }
});

describe('light LlamaTrainer', () => {
  const config = parseModelConfig({ architecture: 'LlamaForCausalLM', ...base, numKeyValueHeads: 2 });
  const lora: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
  const B = 4;
  const T = 6;
  const batches = [0, 1, 2, 3].map((k) => batchOf(randomRows(config.vocabSize, B, T, `light-${k}`)));
  const make = async (microBatches: number, o: { lora?: LoraConfig; maxGradNorm?: number; recompute?: boolean } = { lora }) => {
    const t = await LlamaTrainer.create(config, {
      batchSize: B,
      microBatches,
      contextLength: T,
      threads: 1,
      seed: 4,
      optimizer: { maxGradNorm: o.maxGradNorm ?? 1, weightDecay: 0.1 },
      ...(o.lora ? { lora: o.lora } : {}),
      ...(o.recompute ? { recompute: true, headChunk: 5 } : {}),
    });
    trainers.push(t);
    return t;
  };

  it('keeps the base bit for bit over several steps (fused and micro-batched) and trains only A and B', async () => {
    for (const M of [1, 2]) {
      const t = await make(M);
      const before = new Map(parameterSpecs(config).map((s) => [s.name, Float32Array.from(t.tensor(s.name))]));
      const adapterBefore = new Map(loraSpecs(config, lora).map((s) => [s.name, Float32Array.from(t.tensor(s.name))]));
      for (const batch of batches) await t.step(batch, 1e-2);
      for (const [name, values] of before) expect(t.tensor(name), `${name} (${M} micro-batches)`).toEqual(values);
      for (const [name, values] of adapterBefore) expect(t.tensor(name), `${name} trained`).not.toEqual(values);
      // No optimizer state for the base: the checkpoint holds the adapter, its moments and the step only.
      const state = (await t.exportState()).map((x) => x.name).sort();
      expect(state).toEqual(
        [...loraSpecs(config, lora).flatMap((s) => [s.name, stateName('m', s.name), stateName('v', s.name)]), 'optimizer.step'].sort(),
      );
    }
  });

  it('starts from PEFT init (A random, B zero): exactly the base model, whose loss then falls', async () => {
    const light = await make(1);
    const full = await make(1, {});
    for (const s of loraSpecs(config, lora))
      expect(
        light.tensor(s.name).some((x) => x !== 0),
        s.name,
      ).toBe(s.factor === 'A');
    // Same seed, same base init: a zero B adds exactly zero, so the losses are equal bit for bit.
    expect(await light.evalLoss(batches[0]!)).toBe(await full.evalLoss(batches[0]!));
    const first = (await light.step(batches[0]!, 1e-2)).loss;
    let last = first;
    for (let k = 0; k < 20; k++) last = (await light.step(batches[0]!, 1e-2)).loss;
    expect(last).toBeLessThan(first - 0.1);
  });

  it('resetAdapter(seed) after training is a fresh trainer of that seed: same A, zero B and moments, same next step', async () => {
    const trained = await make(1);
    for (const batch of batches) await trained.step(batch, 1e-2);
    trained.resetAdapter(4);
    const fresh = await make(1);
    for (const s of loraSpecs(config, lora)) {
      expect(trained.tensor(s.name), s.name).toEqual(fresh.tensor(s.name));
      for (const kind of ['m', 'v'] as const) expect(trained.tensor(stateName(kind, s.name)).every((x) => x === 0)).toBe(true);
    }
    // The step count restarts too: AdamW's bias correction makes the first step after a reset a first step.
    expect(await trained.step(batches[0]!, 1e-2)).toEqual(await fresh.step(batches[0]!, 1e-2));
    // Another seed draws another A.
    trained.resetAdapter(5);
    const a = loraSpecs(config, lora).find((s) => s.factor === 'A')!.name;
    expect(trained.tensor(a)).not.toEqual(fresh.tensor(a));
    const full = await make(1, {});
    expect(() => full.resetAdapter(4)).toThrow(/trains a full expert, which has no adapter/);
  });

  it('micro-batched light steps, and steps with activations recomputed, equal the fused one (clipping active)', async () => {
    const whole = await make(1, { lora, maxGradNorm: 0.05 });
    const others = [await make(2, { lora, maxGradNorm: 0.05 }), await make(1, { lora, maxGradNorm: 0.05, recompute: true })];
    // The first step trains B only (A's gradient is zero while B is); from the second both move.
    for (const batch of batches) {
      const ref = await whole.step(batch, 1e-2);
      expect(ref.gradNorm, 'clipping is active').toBeGreaterThan(0.05);
      for (const t of others) {
        const got = await t.step(batch, 1e-2);
        expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
        expect(Math.abs(got.gradNorm - ref.gradNorm) / ref.gradNorm).toBeLessThan(1e-5);
      }
    }
    for (const t of others)
      for (const s of loraSpecs(config, lora)) expect(relDiff(t.tensor(s.name), whole.tensor(s.name)), s.name).toBeLessThan(1e-4);
  });

  it('saves its adapter as a PEFT folder that loads back as the same tensors', async () => {
    const t = await make(1);
    await t.step(batches[0]!, 1e-2);
    const folder = join(dir, 'saved-adapter');
    await t.saveAdapter(folder, 'sha256:base');
    const read = await readAdapterFolder(folder, config);
    expect(read.lora).toEqual(lora);
    expect(read.baseModel).toBe('sha256:base');
    const u = await make(1);
    await u.loadAdapter(read.weights);
    for (const s of loraSpecs(config, lora)) expect(u.tensor(s.name), s.name).toEqual(t.tensor(s.name));
    await read.weights.close();
    expect(read.weights instanceof SafetensorsFile && read.weights.path.endsWith(ADAPTER_WEIGHTS_FILE)).toBe(true);
    await expect(t.saveModel(join(dir, 'not-a-model'))).rejects.toThrow(/saved as its adapter/);
  });
});
