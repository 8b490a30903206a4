// k light experts as one batched pass equal k separate single-expert runs: the prompt's per-token
// log-probabilities and the next token's (prefill, over several chunks, the KV cache growing), then several
// decode steps, within 1e-5 (and each step's in-graph mixture equals the rows' mixture in JS), for adapters of different ranks, scales and targets (padded to one rank, the
// union of targets fed as zeros where an expert has none), in both cache forms: 'rows' (GroupQueryAttention;
// head size 16, its rotary inside and q/k/v packed, and head size 8, rotary outside) and 'concat' (head size 4).
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logMixture } from '../../../src/engine/forest/distribution';
import { writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import type { ModelConfig, ModelConfigInput } from '../../../src/engine/model/config';
import { cacheForm, type CacheForm } from '../../../src/engine/model/llama/graphs';
import { loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { batchAdapters, loadAdapter, type LoadedAdapter } from '../../../src/engine/runtime/adapter-feeds';
import { batchedDecoder } from '../../../src/engine/runtime/batched-decoder';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const models: LlamaModel[] = [];
afterAll(async () => {
  for (const m of models) await m.close();
});

const base = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 67,
  hiddenSize: 64,
  intermediateSize: 96,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  initializerRange: 0.2,
  rmsNormEps: 1e-5,
} as const;
const cases: { name: string; config: ModelConfigInput; form: CacheForm }[] = [
  { name: 'rows, head size 16', config: base, form: 'rows' },
  { name: 'rows, head size 8', config: { ...base, hiddenSize: 32 }, form: 'rows' },
  { name: 'concat, head size 4', config: { ...base, hiddenSize: 32, numAttentionHeads: 8, numKeyValueHeads: 4 }, form: 'concat' },
];
const LORAS: LoraConfig[] = [
  { rank: 2, alpha: 4, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
  { rank: 4, alpha: 3, targets: ['q_proj', 'v_proj', 'up_proj', 'down_proj'] },
  { rank: 3, alpha: 6, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
];

/** Writes a PEFT adapter folder with random A and B (B non-zero, so every expert differs from the base) and loads it. */
async function writeAdapter(folder: string, config: ModelConfig, lora: LoraConfig, seed: number): Promise<LoadedAdapter> {
  const tensors = new Map(
    loraSpecs(config, lora).map((s) => {
      const data = new Float32Array(elementCount(s.shape));
      new Rng(seed, s.name).fillNormal(data, 0, 0.3);
      return [s.name, data];
    }),
  );
  await writeAdapterFolder(folder, { config, lora, baseModel: 'test-base', tensors });
  return loadAdapter(folder, config);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const prompt = [1, 17, 42, 5, 60, 23, 9, 31, 2, 44, 12];
const next = [30, 7, 51, 3];

describe('batchedDecoder', () => {
  for (const c of cases) {
    it(`${c.name}: k light experts in one pass = k separate runs (prefill and decode, log-probs within 1e-5)`, async () => {
      const folder = join(dir, c.name.replace(/[^a-z0-9]+/g, '-'));
      const config = await writeTestModel(join(folder, 'base'), c.config, { seed: 4 });
      expect(cacheForm(config)).toBe(c.form);
      // A step of 4 rows: the batched cache grows (and copies every row's filled rows) during the prompt.
      const model = await LlamaModel.open(join(folder, 'base'), { threads: 1, kvCacheStep: 4 });
      models.push(model);
      const adapters = await Promise.all(LORAS.map((lora, j) => writeAdapter(join(folder, `adapter-${j}`), config, lora, 20 + j)));

      // Each expert alone: its own decoder (its own rank and targets), the prompt fed in chunks of 3.
      const separate = await Promise.all(
        adapters.map(async (adapter) => {
          const d = model.decoder({ logProbs: true, adapter });
          const promptLogProbs = new Float32Array(prompt.length - 1);
          const first = await d.prefillChunks(
            prompt,
            (rows, start) => {
              for (let r = 0; r * config.vocabSize < rows.length; r++)
                if (start + r + 1 < prompt.length) promptLogProbs[start + r] = rows[r * config.vocabSize + prompt[start + r + 1]!]!;
            },
            3,
          );
          const steps: Float32Array[] = [];
          for (const id of next) steps.push(Float32Array.from(await d.step(id)));
          return { promptLogProbs, first, steps };
        }),
      );

      // One batch: chunk 7 over 3 rows is 2 positions a run, so the prompt takes 6 runs.
      const batch = batchAdapters(config, adapters);
      expect(batch.rank).toBe(4);
      const batched = batchedDecoder(model, batch);
      const pre = await batched.prefillScored(prompt, 7);
      expect(batched.length).toBe(prompt.length);
      const steps: Float32Array[][] = [];
      const logWeights = [0.5, 0.3, 0.2].map(Math.log);
      for (const id of next) {
        const r = await batched.step(id, logWeights);
        steps.push(r.rows.map((row) => Float32Array.from(row)));
        // The mixture the run computed is the rows' mixture under the weights given.
        const expected = new Float32Array(config.vocabSize);
        logMixture(logWeights, r.rows, expected);
        expect(maxAbsDiff(r.mixture, expected)).toBeLessThanOrEqual(1e-5);
      }
      adapters.forEach((_, j) => {
        expect(maxAbsDiff(pre.promptLogProbs[j]!, separate[j]!.promptLogProbs)).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(pre.logProbs[j]!, separate[j]!.first)).toBeLessThanOrEqual(1e-5);
        steps.forEach((rows, t) => expect(maxAbsDiff(rows[j]!, separate[j]!.steps[t]!)).toBeLessThanOrEqual(1e-5));
      });
      // The rows are different experts: each differs from the others and from the base.
      const plain = await model.decoder({ logProbs: true }).prefill(prompt);
      expect(maxAbsDiff(pre.logProbs[0]!, pre.logProbs[1]!)).toBeGreaterThan(0.01);
      expect(maxAbsDiff(pre.logProbs[1]!, pre.logProbs[2]!)).toBeGreaterThan(0.01);
      for (const row of pre.logProbs) expect(maxAbsDiff(row, plain)).toBeGreaterThan(0.01);

      // A second prompt on the same decoder starts afresh.
      const again = await batched.prefillScored(prompt.slice(0, 5));
      const alone = await model.decoder({ logProbs: true, adapter: adapters[1]! }).prefill(prompt.slice(0, 5));
      expect(maxAbsDiff(again.logProbs[1]!, alone)).toBeLessThanOrEqual(1e-5);
    });
  }
});
