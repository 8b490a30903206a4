// The train graphs against the independent PyTorch reference (test/golden/llama_ref.py) on random tiny
// configs: every gradient within 1e-3 relative, one clipped-off AdamW step within 1e-5 of torch.optim.AdamW
// (same lr, betas, eps, weight decay and decay rule), the gradient norm, and clipping applied to the moments.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADAMW, type AdamWSettings } from '../../../../src/engine/graph/train/adamw';
import { gradsGraph, stateName, trainStepGraph } from '../../../../src/engine/graph/train/graphs';
import { encodeModel } from '../../../../src/engine/graph/onnx/encode';
import { parseModelConfig, type ModelConfigInput } from '../../../../src/engine/model/config';
import { writeModelFolder } from '../../../../src/engine/model/folder';
import { initParameters } from '../../../../src/engine/model/init';
import { Rng } from '../../../../src/engine/model/rng';
import { SafetensorsFile } from '../../../../src/engine/model/safetensors';
import { createSession, ort } from '../../../../src/engine/runtime/ort';
import { repoRoot } from '../../../helpers/grove-process';
import { tempDir } from '../../../helpers/tmp';

const PYTHON = '/usr/bin/python3';
const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
if (!torchAvailable) console.warn(`SKIPPED train-graph parity: ${PYTHON} cannot import torch (Debian: apt install python3-torch)`);

const dir = tempDir();
const rng = new Rng(17, 'train-parity');
const pick = <T>(xs: readonly T[]): T => xs[rng.nextUint32() % xs.length]!;
/** Random tiny sizes from a seeded stream; config 0 tied, 1 Qwen2 (biases) untied GQA, 2 Llama untied GQA. */
function randomCase(i: number): { config: ModelConfigInput; adamw: AdamWSettings } {
  const H = i === 0 ? pick([2, 4]) : 4;
  const qwen = i % 2 === 1;
  const config: ModelConfigInput = {
    architecture: qwen ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM',
    vocabSize: pick([31, 47]),
    hiddenSize: H * pick([4, 8]),
    intermediateSize: pick([24, 40]),
    numHiddenLayers: pick([1, 2]),
    numAttentionHeads: H,
    numKeyValueHeads: i === 0 ? pick([1, H / 2, H]) : pick([1, 2]), // GQA in configs 1 and 2
    tieWordEmbeddings: i === 0, // tied once, untied twice
    qkvBias: qwen,
    initializerRange: 0.2,
    rmsNormEps: 1e-5,
    ...(qwen ? { ropeTheta: 1e6 } : {}),
  };
  return { config, adamw: { ...DEFAULT_ADAMW, weightDecay: 0.1, decay: i % 2 === 0 ? 'matrices' : 'all', maxGradNorm: Infinity, beta2: 0.95, eps: 1e-8 } };
}

const relDiff = (a: Float32Array, b: Float32Array): number => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-12);
};

describe.skipIf(!torchAvailable)('train graphs vs the PyTorch reference', () => {
  for (const i of [0, 1, 2]) {
    const { config: input, adamw } = randomCase(i);
    it(`config ${i}: ${input.architecture} H=${input.numAttentionHeads} Hkv=${input.numKeyValueHeads} tied=${input.tieWordEmbeddings} decay=${adamw.decay}`, async () => {
      const config = parseModelConfig(input);
      const folder = join(dir, `case${i}`);
      mkdirSync(folder);
      const params = [...initParameters(config, 100 + i)];
      await writeModelFolder(folder, { config, tensors: params.map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })) });
      const B = 2;
      const T = 9; // the reference reads T + 1 tokens per row and predicts the last T
      const rows = [0, 1].map(() => Array.from({ length: T + 1 }, () => rng.nextUint32() % config.vocabSize));
      writeFileSync(join(folder, 'ids.json'), JSON.stringify(rows));
      const out = join(folder, 'golden.safetensors');
      const lr = 1e-3;
      execFileSync(PYTHON, [join(repoRoot, 'test/golden/llama_ref.py'), '--model', folder, '--tokens', join(folder, 'ids.json'), '--out', out, '--lr', String(lr), '--beta1', String(adamw.beta1), '--beta2', String(adamw.beta2), '--eps', String(adamw.eps), '--weight-decay', String(adamw.weightDecay), '--decay', adamw.decay], { stdio: 'ignore' });
      const golden = await SafetensorsFile.open(out);

      const inputs = Int32Array.from(rows.flatMap((r) => r.slice(0, T)));
      const targets = Int32Array.from(rows.flatMap((r) => r.slice(1)));
      const batch = { input_ids: new ort.Tensor('int32', inputs, [B, T]), targets: new ort.Tensor('int32', targets, [B, T]) };
      const paramFeeds = Object.fromEntries(params.map(({ spec, data }) => [spec.name, new ort.Tensor('float32', data, spec.shape)]));

      // Gradients.
      const grads = await createSession(encodeModel({ graph: gradsGraph(config, { batchSize: B, contextLength: T }) }), { threads: 1 });
      const g = await grads.run({ ...paramFeeds, ...batch });
      expect(Math.abs((g.loss!.data as Float32Array)[0]! - (await golden.readFloat32('loss'))[0]!)).toBeLessThan(1e-5);
      let sumSq = 0;
      for (const { spec } of params) {
        const ref = await golden.readFloat32(`grad.${spec.name}`);
        const ours = g[`grad.${spec.name}`]!.data as Float32Array;
        expect(relDiff(ours, ref), `grad.${spec.name}`).toBeLessThanOrEqual(1e-3);
        for (const v of ref) sumSq += v * v;
      }

      // One AdamW step from fresh state, no clipping: torch.optim.AdamW's parameters.
      const zeros = (shape: readonly number[]) => new ort.Tensor('float32', new Float32Array(shape.reduce((n, d) => n * d, 1)), shape);
      const state = Object.fromEntries(params.flatMap(({ spec }) => [[stateName.m(spec.name), zeros(spec.shape)], [stateName.v(spec.name), zeros(spec.shape)]]));
      const scalars = { step: new ort.Tensor('float32', new Float32Array([1]), []), lr: new ort.Tensor('float32', new Float32Array([lr]), []) };
      const step = await createSession(encodeModel({ graph: trainStepGraph(config, { batchSize: B, contextLength: T }, adamw) }), { threads: 1 });
      const s = await step.run({ ...paramFeeds, ...state, ...scalars, ...batch });
      const norm = (s.grad_norm!.data as Float32Array)[0]!;
      expect(Math.abs(norm - Math.sqrt(sumSq)) / Math.sqrt(sumSq)).toBeLessThan(1e-4);
      for (const { spec, data } of params) {
        const ref = await golden.readFloat32(`adamw.${spec.name}`);
        const ours = s[stateName.next(spec.name)]!.data as Float32Array;
        let worst = 0;
        let moved = 0;
        for (let k = 0; k < ref.length; k++) {
          worst = Math.max(worst, Math.abs(ours[k]! - ref[k]!));
          moved = Math.max(moved, Math.abs(ref[k]! - data[k]!));
        }
        expect(worst, `adamw.${spec.name}`).toBeLessThanOrEqual(1e-5);
        expect(moved).toBeGreaterThan(1e-4); // the step really moved this tensor
      }

      // Clipping to half the norm: m = (1 - beta1) * g * maxNorm / (norm + 1e-6).
      const clipped = await createSession(encodeModel({ graph: trainStepGraph(config, { batchSize: B, contextLength: T }, { ...adamw, maxGradNorm: norm / 2 }) }), { threads: 1 });
      const c = await clipped.run({ ...paramFeeds, ...state, ...scalars, ...batch });
      expect((c.grad_norm!.data as Float32Array)[0]).toBeCloseTo(norm, 5);
      const coef = norm / 2 / (norm + 1e-6);
      for (const { spec } of params) {
        const gr = g[`grad.${spec.name}`]!.data as Float32Array;
        const m = c[stateName.next(stateName.m(spec.name))]!.data as Float32Array;
        for (let k = 0; k < gr.length; k++) expect(Math.abs(m[k]! - (1 - adamw.beta1) * gr[k]! * coef)).toBeLessThan(1e-6 + 1e-4 * Math.abs(m[k]!));
      }
      await Promise.all([golden.close(), grads.release(), step.release(), clipped.release()]);
    });
  }
});
