// The train step against the independent PyTorch reference (gradients within 1e-3 relative, one AdamW
// step within 1e-5), state updated in place across steps, gradient accumulation over micro-batches and
// activation recompute each equal to the whole-batch step, so is a backward pass split in two runs, and a tiny
// model overfitting a paragraph (loss < 0.1).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelConfig, presetConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { parameterSpecs } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { SafetensorsFile } from '../../../src/engine/model/safetensors';
import { LlamaTrainer } from '../../../src/engine/train/step-runner';
import { stateName } from '../../../src/engine/train/state-names';
import { balancedCuts, splitGradGraphs } from '../../../src/engine/train/train-graph';
import { repoRoot } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { PYTHON, torchFor } from '../../helpers/torch';

const torchAvailable = torchFor('train-step parity');
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
const cases: { name: string; config: ModelConfigInput }[] = [
  { name: 'llama-gqa-tied', config: { architecture: 'LlamaForCausalLM', ...base, numKeyValueHeads: 2, tieWordEmbeddings: true } },
  { name: 'llama-untied', config: { architecture: 'LlamaForCausalLM', ...base } },
  { name: 'qwen2-bias', config: { architecture: 'Qwen2ForCausalLM', ...base, numKeyValueHeads: 1, qkvBias: true } },
];

describe.skipIf(!torchAvailable)('train step vs the PyTorch reference', () => {
  for (const c of cases) {
    it(`${c.name}: gradients and one AdamW step agree`, async () => {
      const config = parseModelConfig(c.config);
      const folder = join(dir, c.name);
      mkdirSync(folder);
      const tensors = [...initParameters(config, 5)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
      await writeModelFolder(folder, { config, tensors });
      const B = 2;
      const T = 8;
      const rng = new Rng(1, c.name);
      const ids = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => rng.nextUint32() % config.vocabSize));
      writeFileSync(join(folder, 'ids.json'), JSON.stringify({ input_ids: ids }));
      const out = join(folder, 'golden.safetensors');
      execFileSync(
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
        { stdio: 'ignore' },
      );
      const golden = await SafetensorsFile.open(out);

      const trainer = await LlamaTrainer.create(config, {
        batchSize: B,
        contextLength: T,
        threads: 1,
        optimizer: { ...ADAMW, decay: 'matrices', maxGradNorm: Infinity },
      });
      trainers.push(trainer);
      const weights = await SafetensorsFile.open(join(folder, 'model.safetensors'));
      await trainer.loadWeights(weights);
      await weights.close();
      const inputs = new Int32Array(ids.flatMap((r) => r.slice(0, T)));
      const targets = new Int32Array(ids.flatMap((r) => r.slice(1)));
      const { loss } = await trainer.step({ inputs, targets }, ADAMW.lr);
      expect(loss).toBeCloseTo((await golden.readFloat32('loss'))[0]!, 5);
      for (const s of parameterSpecs(config)) {
        // After one step m = (1 - beta1) * g, so the gradient is recovered exactly from the moment.
        const g = trainer.tensor(stateName('m', s.name)).map((m) => m / (1 - ADAMW.beta1));
        const ref = await golden.readFloat32(`grad.${s.name}`);
        let num = 0;
        let den = 0;
        for (let i = 0; i < g.length; i++) {
          num = Math.max(num, Math.abs(g[i]! - ref[i]!));
          den = Math.max(den, Math.abs(ref[i]!));
        }
        expect(num / Math.max(den, 1e-12), `gradient of ${s.name}`).toBeLessThanOrEqual(1e-3);
        // Adam's update is lr * m / (sqrt(v) + eps) ~ lr * sign(g) after one step: for a gradient entry near
        // zero (but not exactly zero), float32 rounding in either implementation flips it. Such entries
        // (0 < |g| < 1e-6) are left out of the 1e-5 comparison; they must stay rare.
        const p = trainer.tensor(s.name);
        const refP = await golden.readFloat32(`adamw.${s.name}`);
        let worst = 0;
        let skipped = 0;
        for (let i = 0; i < p.length; i++) {
          if (ref[i] !== 0 && Math.abs(ref[i]!) < 1e-6) {
            skipped++;
            continue;
          }
          worst = Math.max(worst, Math.abs(p[i]! - refP[i]!));
        }
        expect(skipped / p.length, `ill-conditioned entries of ${s.name}`).toBeLessThan(0.05);
        expect(worst, `AdamW step of ${s.name}`).toBeLessThanOrEqual(1e-5);
      }
      await golden.close();
    });
  }
});

describe('LlamaTrainer', () => {
  for (const [microBatches, fused] of [
    [1, true],
    [1, false],
    [2, false],
  ] as const) {
    it(`updates its state in place: one set of buffers (${microBatches} micro-batches, ${fused ? 'fused' : 'gradient graph'})`, async () => {
      const config = parseModelConfig({ architecture: 'LlamaForCausalLM', ...base });
      const t = await LlamaTrainer.create(config, { batchSize: 2, microBatches, fused, contextLength: 4, threads: 1 });
      trainers.push(t);
      const batch = { inputs: new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]), targets: new Int32Array([2, 3, 4, 5, 6, 7, 8, 9]) };
      const names = ['model.norm.weight', stateName('m', 'model.norm.weight'), stateName('v', 'model.embed_tokens.weight')];
      const buffers = new Set<ArrayBufferLike>();
      const seen: Float32Array[] = [];
      for (let i = 0; i < 3; i++) {
        await t.step(batch, 1e-3);
        for (const n of names) buffers.add(t.tensor(n).buffer);
        seen.push(Float32Array.from(t.tensor('model.norm.weight')));
      }
      expect(buffers.size).toBe(names.length);
      expect(seen[1]).not.toEqual(seen[0]); // it did update them
      expect(seen[2]).not.toEqual(seen[1]);
    });
  }

  it('overfits a paragraph: loss below 0.1', async () => {
    const text = 'the grove keeps one expert for each domain of text and trains it on that folder alone.';
    const ids = [...text].map((ch) => ch.charCodeAt(0) - 32); // printable ASCII -> 0..94
    const config = parseModelConfig({
      architecture: 'LlamaForCausalLM',
      vocabSize: 96,
      hiddenSize: 64,
      intermediateSize: 128,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      tieWordEmbeddings: true,
    });
    const T = ids.length - 1;
    const t = await LlamaTrainer.create(config, { batchSize: 1, contextLength: T, threads: 2, optimizer: { weightDecay: 0 } });
    trainers.push(t);
    const batch = { inputs: new Int32Array(ids.slice(0, T)), targets: new Int32Array(ids.slice(1)) };
    let loss = Infinity;
    for (let step = 0; step < 300 && loss >= 0.1; step++) loss = (await t.step(batch, 3e-3)).loss;
    expect(loss).toBeLessThan(0.1);
    expect(await t.evalLoss(batch)).toBeLessThan(0.1);
  });
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

/**
 * `t`'s AdamW moments within 1e-4 of `ref`'s (relative to the largest) and its parameters within `tolerance`
 * (absolute). m holds the clipped gradients' running mean: the accumulated gradient itself, up to float32 sums.
 */
function expectSameState(t: LlamaTrainer, ref: LlamaTrainer, tolerance: number): void {
  for (const s of parameterSpecs(t.config)) {
    for (const kind of ['m', 'v'] as const)
      expect(relDiff(t.tensor(stateName(kind, s.name)), ref.tensor(stateName(kind, s.name))), `${kind} of ${s.name}`).toBeLessThan(1e-4);
    const p = t.tensor(s.name);
    const q = ref.tensor(s.name);
    let worst = 0;
    for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - q[i]!));
    expect(worst, `parameter ${s.name}`).toBeLessThan(tolerance);
  }
}

describe('gradient accumulation over micro-batches', () => {
  const config = parseModelConfig({ architecture: 'LlamaForCausalLM', ...base, numKeyValueHeads: 2 });
  const B = 4;
  const T = 6;
  const rng = new Rng(9, 'micro');
  const batches = [0, 1, 2].map(() => {
    const rows = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => rng.nextUint32() % config.vocabSize));
    return { inputs: new Int32Array(rows.flatMap((r) => r.slice(0, T))), targets: new Int32Array(rows.flatMap((r) => r.slice(1))) };
  });
  const make = async (microBatches: number, maxGradNorm: number, fused = true, recompute = false) => {
    const t = await LlamaTrainer.create(config, {
      batchSize: B,
      microBatches,
      fused,
      // Recompute with the head in chunks of 5 positions: 24 (one micro-batch) or 12 do not divide evenly.
      ...(recompute ? { recompute, headChunk: 5 } : {}),
      contextLength: T,
      threads: 1,
      seed: 4,
      optimizer: { maxGradNorm, weightDecay: 0.1 },
    });
    trainers.push(t);
    return t;
  };

  // Clipping on (the norm starts near 2): the clip must use the whole batch's gradient, not a micro-batch's.
  // Clipping off: the fused step must still finish its backward pass before updating in place.
  it.each([0.5, Infinity])(
    'equals one fused step on the whole batch: loss, gradient norm, moments and parameters (max norm %s)',
    async (maxGradNorm) => {
      const whole = await make(1, maxGradNorm);
      // One micro-batch through the gradient graph (AdamW in JS), then 2 and 4 accumulated; and with activations
      // recomputed in the backward pass, fused and accumulated.
      const parts = [
        await make(1, maxGradNorm, false),
        await make(2, maxGradNorm),
        await make(4, maxGradNorm),
        await make(1, maxGradNorm, true, true),
        await make(1, maxGradNorm, false, true),
        await make(2, maxGradNorm, false, true),
      ];
      // The gradient form with recompute splits the backward pass in runs (train-graph.ts splitGradGraphs): a
      // run a layer on this two-layer model.
      expect(parts.map((t) => t.runsPerMicroBatch)).toEqual([1, 1, 1, 1, 2, 2]);
      for (const [k, batch] of batches.entries()) {
        const ref = await whole.step(batch, 1e-3);
        if (k === 0) expect(ref.gradNorm, 'clipping is active').toBeGreaterThan(Math.min(maxGradNorm, 1));
        for (const t of parts) {
          const got = await t.step(batch, 1e-3);
          expect(Math.abs(got.loss - ref.loss) / ref.loss, `loss of step ${k}, ${t.microBatches} micro-batches`).toBeLessThan(1e-6);
          expect(Math.abs(got.gradNorm - ref.gradNorm) / ref.gradNorm, `gradient norm of step ${k}`).toBeLessThan(1e-5);
        }
      }
      // Updates are ~lr = 1e-3 per step, so 1e-6 absolute is a part in a thousand of three steps' change.
      for (const t of parts) expectSameState(t, whole, 1e-6);
      // Validation loss, micro-batch by micro-batch, is the whole batch's mean too.
      expect(Math.abs((await parts[1]!.evalLoss(batches[0]!)) - (await whole.evalLoss(batches[0]!)))).toBeLessThan(1e-6);
    },
  );

  it('refuses a micro-batch count that does not divide the batch', async () => {
    await expect(LlamaTrainer.create(config, { batchSize: B, microBatches: 3, contextLength: T })).rejects.toThrow(
      /microBatches 3 does not split a batch of 4/,
    );
  });
});

describe('a backward pass split in runs over layer ranges (the small-memory step of a full expert)', () => {
  const B = 2;
  const T = 5;
  const variants = [
    { name: 'tied embedding', config: { architecture: 'LlamaForCausalLM', ...base, numHiddenLayers: 3, tieWordEmbeddings: true } },
    { name: 'untied head', config: { architecture: 'LlamaForCausalLM', ...base, numHiddenLayers: 3, numKeyValueHeads: 2 } },
  ] as const;

  it.each(variants)('$name: each tensor is one run’s, a tied embedding the top and the bottom run’s', ({ config: input }) => {
    const config = parseModelConfig(input);
    for (const cuts of [[2, 1], [1], [2]]) {
      const split = splitGradGraphs(config, B, T, {}, cuts);
      expect(split.cuts).toEqual(cuts);
      const names = split.runs.map((r) => r.specs.map((s) => s.name));
      expect(names).toHaveLength(cuts.length + 1);
      // The layer at a cut reads the stream there in its input norm, so the run above the cut owns it.
      const runOfLayer = (layer: number) => cuts.filter((c) => c > layer).length;
      for (let layer = 0; layer < config.numHiddenLayers; layer++) {
        expect(names[runOfLayer(layer)]).toContain(`model.layers.${layer}.input_layernorm.weight`);
        expect(names[runOfLayer(layer)]).toContain(`model.layers.${layer}.mlp.down_proj.weight`);
      }
      expect(names[0]).toContain('model.norm.weight');
      const owners = (name: string) => names.flatMap((n, r) => (n.includes(name) ? [r] : []));
      expect(owners('model.embed_tokens.weight')).toEqual(config.tieWordEmbeddings ? [0, cuts.length] : [cuts.length]);
      const all = parameterSpecs(config).map((s) => s.name);
      for (const name of all.filter((n) => n !== 'model.embed_tokens.weight')) expect(owners(name), name).toHaveLength(1);
      expect(new Set(names.flat())).toEqual(new Set(all));
    }
    // The default: as many runs as SPLIT_RUNS where there are layers enough.
    expect(splitGradGraphs(config, B, T).cuts).toEqual([2, 1]);
  });

  it('balances the gradient values the runs hand back, the vocabulary matrices counted', () => {
    // SmolLM2-135M: 3.54M values a layer, 28.3M in the embedding (the head's, tied; and the lookup's).
    const smol = presetConfig('smollm2-135m');
    expect(balancedCuts(smol, 3)).toEqual([23, 7]);
    expect(balancedCuts(smol, 2)).toEqual([15]);
    // Never a run without a layer, whatever the vocabulary.
    expect(balancedCuts(parseModelConfig({ ...variants[0].config, vocabSize: 100_000 }), 3)).toEqual([2, 1]);
    expect(balancedCuts(parseModelConfig({ ...variants[0].config, numHiddenLayers: 2 }), 3)).toEqual([1]);
  });

  it.each(variants)(
    '$name: equals the whole-batch step in one run, over three steps, with 1 and 2 micro-batches',
    async ({ config: input }) => {
      const config = parseModelConfig(input);
      const rng = new Rng(3, 'split');
      const batches = [0, 1, 2].map(() => {
        const rows = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => rng.nextUint32() % config.vocabSize));
        return { inputs: new Int32Array(rows.flatMap((r) => r.slice(0, T))), targets: new Int32Array(rows.flatMap((r) => r.slice(1))) };
      });
      const make = async (microBatches: number, recompute: boolean) => {
        const t = await LlamaTrainer.create(config, {
          batchSize: B,
          contextLength: T,
          microBatches,
          fused: !recompute,
          threads: 1,
          seed: 8,
          optimizer: { maxGradNorm: 0.5 },
          ...(recompute ? { recompute, headChunk: 4 } : {}),
        });
        trainers.push(t);
        return t;
      };
      const whole = await make(1, false);
      const splits = [await make(1, true), await make(2, true)];
      expect(splits.map((t) => t.runsPerMicroBatch)).toEqual([3, 3]);
      for (const batch of batches) {
        const ref = await whole.step(batch, 1e-3);
        for (const t of splits) {
          const got = await t.step(batch, 1e-3);
          expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
          expect(Math.abs(got.gradNorm - ref.gradNorm) / ref.gradNorm).toBeLessThan(1e-5);
        }
      }
      // Three steps move a parameter by up to 3e-3. The forms differ in summation order, which AdamW's first
      // steps (m / sqrt(v), about the gradient's sign) magnify where a gradient is near zero: on the tied model
      // the plain recompute form (fused) is 2.8e-5 from the whole step, the split 2.1e-5. The moments are the
      // tight check of the gradients.
      for (const t of splits) expectSameState(t, whole, 1e-4);
    },
  );

  it('refuses cuts that leave a run without a layer', () => {
    const config = parseModelConfig(variants[0].config);
    for (const cuts of [[0], [3], [1, 2], [2, 2], []])
      expect(() => splitGradGraphs(config, B, T, {}, cuts)).toThrow(/leave a run without a layer/);
  });
});
