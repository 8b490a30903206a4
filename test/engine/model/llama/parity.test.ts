// Grove's inference graphs against the independent PyTorch reference (test/golden/llama_ref.py):
// logits within 1e-4, KV-cached decoding equal to the full forward token by token (also with a prompt fed
// in chunks), and scores equal to the reference's log-softmax. Configs cover GQA, tied and untied heads,
// Qwen2 biases, f16/bf16 weights and Llama 3 rope scaling, and every graph form: GroupQueryAttention with
// its own rotary and packed q/k/v (head size 16), with Grove's rotary before it (head size 8), and the
// plain-op form with a concatenated cache (head size 4, which the contrib op does not take). The decoder's
// cache grows in steps of 4 rows here, so decoding also regrows it (4 -> 8 -> 12) and must keep its rows.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelConfig, type ModelConfigInput } from '../../../../src/engine/model/config';
import type { WriteDtype } from '../../../../src/engine/model/dtype';
import { writeModelFolder } from '../../../../src/engine/model/folder';
import { initParameters } from '../../../../src/engine/model/init';
import { Rng } from '../../../../src/engine/model/rng';
import { SafetensorsFile } from '../../../../src/engine/model/safetensors';
import { LlamaModel } from '../../../../src/engine/runtime/llama-model';
import { repoRoot } from '../../../helpers/grove-process';
import { tempDir } from '../../../helpers/tmp';
import { PYTHON, torchFor } from '../../../helpers/torch';

const torchAvailable = torchFor('Llama inference parity');
const dir = tempDir();
const T = 12;
const opened: LlamaModel[] = [];
afterAll(async () => {
  for (const m of opened) await m.close();
});

const base = {
  vocabSize: 97,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  initializerRange: 0.25,
  rmsNormEps: 1e-5,
};
const cases: { name: string; config: ModelConfigInput; dtype: WriteDtype }[] = [
  {
    name: 'llama-gqa-tied',
    config: { architecture: 'LlamaForCausalLM', ...base, numKeyValueHeads: 2, tieWordEmbeddings: true },
    dtype: 'F32',
  },
  {
    name: 'qwen2-bias-untied-f16',
    config: { architecture: 'Qwen2ForCausalLM', ...base, numKeyValueHeads: 1, qkvBias: true, ropeTheta: 1e6 },
    dtype: 'F16',
  },
  {
    name: 'llama-head16-rotary-inside',
    config: { architecture: 'LlamaForCausalLM', ...base, hiddenSize: 64, numKeyValueHeads: 2 },
    dtype: 'F32',
  },
  {
    name: 'qwen2-head16-bias',
    config: { architecture: 'Qwen2ForCausalLM', ...base, hiddenSize: 64, numKeyValueHeads: 1, qkvBias: true, ropeTheta: 1e6 },
    dtype: 'F32',
  },
  {
    name: 'llama-head4-concat-cache',
    config: { architecture: 'LlamaForCausalLM', ...base, numAttentionHeads: 8, numKeyValueHeads: 4, tieWordEmbeddings: true },
    dtype: 'F32',
  },
  {
    name: 'llama3-rope-bf16',
    config: {
      architecture: 'LlamaForCausalLM',
      ...base,
      hiddenSize: 64,
      ropeTheta: 500000,
      ropeScaling: { ropeType: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8 },
    },
    dtype: 'BF16',
  },
];

async function setup(name: string, input: ModelConfigInput, dtype: WriteDtype) {
  const config = parseModelConfig(input);
  const folder = join(dir, name);
  mkdirSync(folder);
  const tensors = [...initParameters(config, 11)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  await writeModelFolder(folder, { config, tensors }, { dtype });
  const rng = new Rng(3, name);
  const ids = [0, 1].map(() => Array.from({ length: T }, () => rng.nextUint32() % config.vocabSize));
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
    ],
    { stdio: 'ignore' },
  );
  const golden = await SafetensorsFile.open(out);
  const logits = await golden.readFloat32('logits'); // [2, T, V]
  await golden.close();
  const model = await LlamaModel.open(folder, { threads: 1, kvCacheStep: 4 });
  opened.push(model);
  return { config, ids, logits, model };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** log-softmax of one row of the reference's logits, in float64. */
function logSoftmax(row: ArrayLike<number>): number[] {
  const xs = Array.from(row);
  const max = Math.max(...xs);
  const lse = max + Math.log(xs.reduce((s, v) => s + Math.exp(v - max), 0));
  return xs.map((v) => v - lse);
}

describe.skipIf(!torchAvailable)('Llama inference graphs vs the PyTorch reference', () => {
  for (const c of cases) {
    it(`${c.name}: logits, KV-cached decoding and scores agree`, async () => {
      const { config, ids, logits, model } = await setup(c.name, c.config, c.dtype);
      const V = config.vocabSize;
      // Reference logits are O(1) here (init std 0.25), so 1e-4 is a real test.
      expect(maxAbsDiff(logits, new Float32Array(logits.length))).toBeGreaterThan(0.5);
      for (let b = 0; b < 2; b++) {
        const ref = logits.subarray(b * T * V, (b + 1) * T * V);
        expect(maxAbsDiff(await model.logits(ids[b]!), ref)).toBeLessThanOrEqual(1e-4);
      }
      // Decoding with the cache: prefill 5 tokens, then one at a time; each step's logits = the full forward's.
      const row = ids[0]!;
      const decoder = model.decoder();
      let step = await decoder.prefill(row.slice(0, 5));
      expect(maxAbsDiff(step, logits.subarray(4 * V, 5 * V))).toBeLessThanOrEqual(1e-4);
      for (let t = 5; t < T; t++) {
        step = await decoder.step(row[t]!);
        expect(maxAbsDiff(step, logits.subarray(t * V, (t + 1) * V))).toBeLessThanOrEqual(1e-4);
      }
      // The same decoder again: a chunked prefill (5 + 5 + 1 positions, every position's log-probabilities
      // shown) starts over.
      const refLogProbs = (t: number) => logSoftmax(logits.subarray(t * V, (t + 1) * V));
      const seen: number[] = [];
      const last = await decoder.prefillChunks(
        row.slice(0, T - 1),
        (chunk, start) => {
          for (let r = 0; r * V < chunk.length; r++)
            expect(maxAbsDiff(chunk.subarray(r * V, (r + 1) * V), refLogProbs(start + r))).toBeLessThanOrEqual(1e-4);
          seen.push(start, chunk.length / V);
        },
        5,
      );
      expect(seen).toEqual([0, 5, 5, 5, 10, 1]);
      expect(maxAbsDiff(last, refLogProbs(T - 2))).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(await decoder.step(row[T - 1]!), logits.subarray((T - 1) * V, T * V))).toBeLessThanOrEqual(1e-4);
      // Scores: log-softmax of the reference logits at the next token.
      const inputs = [...ids[0]!.slice(0, -1), ...ids[1]!.slice(0, -1)];
      const targets = [...ids[0]!.slice(1), ...ids[1]!.slice(1)];
      const scores = await model.score(inputs, targets, 2);
      const expected = targets.map((target, i) => {
        const b = Math.floor(i / (T - 1));
        const t = i % (T - 1);
        return logSoftmax(logits.subarray((b * T + t) * V, (b * T + t + 1) * V))[target]!;
      });
      expect(maxAbsDiff(scores, expected)).toBeLessThanOrEqual(1e-4);
    });
  }
});
