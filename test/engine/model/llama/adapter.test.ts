// A light expert's adapter in the inference graphs (the forward's `adapter` option; graphs.ts's fed adapters:
// A^T and scaled B^T as run inputs, the adapter folder anywhere): logits of base + adapter against the
// independent PyTorch reference, which merges W0 + (alpha / r) B A itself (<= 1e-4), and the score graph's
// log-probabilities likewise; KV-cached decoding with the adapter equal to the full forward token by token;
// an adapter with B = 0 gives exactly the base model's logits. Forms: GroupQueryAttention with packed q/k/v
// and gate/up (head size 16) with every projection adapted and with only some of each packed group (the
// member-by-member fallback), and the plain-op form with a concatenated cache (head size 4).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAdapterFolder } from '../../../../src/engine/model/adapter-folder';
import { readModelFolder } from '../../../../src/engine/model/folder';
import type { ModelConfig, ModelConfigInput } from '../../../../src/engine/model/config';
import { cacheForm, decodeGraph, scoreGraph, type CacheForm } from '../../../../src/engine/model/llama/graphs';
import { loraSpecs, type LoraConfig, type LoraTarget } from '../../../../src/engine/model/lora';
import { elementCount } from '../../../../src/engine/model/names';
import { Rng } from '../../../../src/engine/model/rng';
import { SafetensorsFile, type TensorReader } from '../../../../src/engine/model/safetensors';
import { batchAdapters, loadAdapter, sharedAdapterFeeds } from '../../../../src/engine/runtime/adapter-feeds';
import { createSession, ort, type OrtSession } from '../../../../src/engine/runtime/ort';
import { repoRoot } from '../../../helpers/grove-process';
import { writeTestModel } from '../../../helpers/model';
import { tempDir } from '../../../helpers/tmp';
import { PYTHON, torchFor } from '../../../helpers/torch';

const torchAvailable = torchFor('adapter inference parity');
const dir = tempDir();
const T = 10;
const closing: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const c of closing) await c.close();
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
const ALL: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const cases: { name: string; config: ModelConfigInput; lora: LoraConfig; form: CacheForm }[] = [
  { name: 'rows-packed-all', config: base, lora: ALL, form: 'rows' },
  {
    name: 'rows-packed-some',
    config: { ...base, architecture: 'Qwen2ForCausalLM', qkvBias: true },
    lora: { rank: 3, alpha: 5, targets: ['q_proj', 'v_proj', 'up_proj'] },
    form: 'rows',
  },
  { name: 'concat-plain', config: { ...base, hiddenSize: 32, numAttentionHeads: 8, numKeyValueHeads: 4 }, lora: ALL, form: 'concat' },
];

/** Random A and B (B nonzero, so the adapter changes the model), or B = 0 with zeroB. */
function adapterTensors(config: ModelConfig, lora: LoraConfig, zeroB: boolean): Map<string, Float32Array> {
  return new Map(
    loraSpecs(config, lora).map((s) => {
      const data = new Float32Array(elementCount(s.shape));
      if (s.factor === 'A' || !zeroB) new Rng(9, s.name).fillNormal(data, 0, 0.3);
      return [s.name, data];
    }),
  );
}

type Feeds = Record<string, ort.Tensor>;

/** A decode graph (logits at every position) over the model folder, with fed adapters on `targets` if given. */
async function decodeSession(
  folder: string,
  config: ModelConfig,
  weights: TensorReader,
  form: CacheForm,
  name: string,
  targets?: readonly LoraTarget[],
): Promise<OrtSession> {
  const path = join(folder, `${name}.onnx`);
  writeFileSync(
    path,
    decodeGraph(config, weights, { graphDir: folder, lastOnly: false, form, ...(targets ? { adapters: { targets } } : {}) }),
  );
  const s = await createSession(path, { threads: 1 });
  closing.push({ close: () => s.release() });
  return s;
}

/** Runs ids through a decode graph in chunks (sizes `chunks`), keeping the KV cache, with `lora` fed to every run; returns every position's logits [T * V]. */
async function decode(
  s: OrtSession,
  config: ModelConfig,
  form: CacheForm,
  ids: number[],
  chunks: number[],
  lora: Feeds = {},
): Promise<Float32Array> {
  const { numKeyValueHeads: Hkv, headDim: D, numHiddenLayers: L, vocabSize: V } = config;
  const capacity = ids.length;
  const rows = Array.from({ length: 2 * L }, () => new Float32Array(Hkv * capacity * D)); // [1, Hkv, capacity, D] each
  let concat: ort.Tensor[] = Array.from({ length: 2 * L }, () => new ort.Tensor('float32', new Float32Array(0), [1, Hkv, 0, D]));
  const out = new Float32Array(ids.length * V);
  let P = 0;
  for (const S of chunks) {
    const feeds: Feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.slice(P, P + S).map(BigInt)), [1, S]), ...lora };
    for (let i = 0; i < L; i++) {
      feeds[`past_key_values.${i}.key`] = form === 'rows' ? new ort.Tensor('float32', rows[2 * i]!, [1, Hkv, capacity, D]) : concat[2 * i]!;
      feeds[`past_key_values.${i}.value`] =
        form === 'rows' ? new ort.Tensor('float32', rows[2 * i + 1]!, [1, Hkv, capacity, D]) : concat[2 * i + 1]!;
    }
    if (form === 'rows') {
      feeds.seqlens_k = new ort.Tensor('int32', Int32Array.from([P + S - 1]), [1]);
      feeds.total_sequence_length = new ort.Tensor('int32', Int32Array.from([P + S]), []);
    }
    const r = await s.run(feeds);
    out.set(r.logits!.data as Float32Array, P * V);
    if (form === 'rows') {
      // new_key_values [2L, Hkv, S, D]: write each head's S new rows at rows P.. of its buffer.
      const fresh = r.new_key_values!.data as Float32Array;
      for (let j = 0; j < 2 * L; j++)
        for (let h = 0; h < Hkv; h++)
          for (let t = 0; t < S; t++)
            rows[j]!.set(fresh.subarray(((j * Hkv + h) * S + t) * D, ((j * Hkv + h) * S + t + 1) * D), (h * capacity + P + t) * D);
    } else concat = Array.from({ length: 2 * L }, (_, j) => r[`present.${j >> 1}.${j % 2 === 0 ? 'key' : 'value'}`]!);
    P += S;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe.skipIf(!torchAvailable)('adapters in the inference graphs', () => {
  for (const c of cases) {
    it(`${c.name}: base + adapter = the reference's merged model; cached decode = full forward; B = 0 = base`, async () => {
      const folder = join(dir, c.name);
      await writeTestModel(folder, c.config, { seed: 4 });
      const { config, weights } = await readModelFolder(folder);
      closing.push(weights);
      expect(cacheForm(config) === 'rows' || c.form === 'concat').toBe(true);
      const rng = new Rng(2, c.name);
      const ids = Array.from({ length: T }, () => rng.nextUint32() % config.vocabSize);
      writeFileSync(join(folder, 'ids.json'), JSON.stringify({ input_ids: [ids] }));

      // The adapter lives in a folder of its own (a light expert's, elsewhere in the store): it is fed, not built in.
      const adapterFolder = join(dir, `${c.name}-adapter`);
      await writeAdapterFolder(adapterFolder, {
        config,
        lora: c.lora,
        baseModel: 'test-base',
        tensors: adapterTensors(config, c.lora, false),
      });
      const adapter = await loadAdapter(adapterFolder, config);
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
          '--adapter',
          adapterFolder,
        ],
        { stdio: 'ignore' },
      );
      const golden = await SafetensorsFile.open(out);
      const ref = await golden.readFloat32('logits'); // [1, T, V]
      await golden.close();

      const adapted = await decodeSession(folder, config, weights, c.form, 'adapted', c.lora.targets);
      const lora = batchAdapters(config, [adapter]).feeds;
      const full = await decode(adapted, config, c.form, ids, [T], lora);
      expect(maxAbsDiff(full, ref)).toBeLessThanOrEqual(1e-4);
      const plain = await decodeSession(folder, config, weights, c.form, 'base');
      const baseLogits = await decode(plain, config, c.form, ids, [T]);
      // The adapter matters: its model is not the base (so the 1e-4 above tests the low-rank path).
      expect(maxAbsDiff(baseLogits, ref)).toBeGreaterThan(0.05);
      // The score graph (fused where the head size allows) with the adapter: the reference's log-softmax at each next token.
      const scorePath = join(folder, 'score.onnx');
      writeFileSync(scorePath, scoreGraph(config, weights, { graphDir: folder, adapters: { targets: c.lora.targets } }));
      const scorer = await createSession(scorePath, { threads: 1 });
      closing.push({ close: () => scorer.release() });
      const int64 = (xs: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
      const scores = (
        await scorer.run({ input_ids: int64(ids.slice(0, -1)), targets: int64(ids.slice(1)), ...sharedAdapterFeeds(config, adapter) })
      ).token_logprobs!.data as Float32Array;
      const V = config.vocabSize;
      const expected = ids.slice(1).map((target, t) => {
        const row = Array.from(ref.subarray(t * V, (t + 1) * V));
        const max = Math.max(...row);
        return row[target]! - max - Math.log(row.reduce((sum, x) => sum + Math.exp(x - max), 0));
      });
      expect(maxAbsDiff(scores, expected)).toBeLessThanOrEqual(1e-4);
      // KV-cached decoding: a 4-token prefill, then one token at a time, and a chunk of 3 (logits are O(5) here).
      expect(maxAbsDiff(await decode(adapted, config, c.form, ids, [4, 1, 1, 1, 3], lora), full)).toBeLessThanOrEqual(1e-4);

      // B = 0: exactly the base model's logits, decoded the same way (the same graph as the adapted run, B fed as zeros).
      const zeroFolder = join(dir, `${c.name}-zero`);
      await writeAdapterFolder(zeroFolder, { config, lora: c.lora, baseModel: 'test-base', tensors: adapterTensors(config, c.lora, true) });
      const zeroLogits = await decode(
        adapted,
        config,
        c.form,
        ids,
        [4, 1, 1, 1, 3],
        batchAdapters(config, [await loadAdapter(zeroFolder, config)]).feeds,
      );
      const baseCached = await decode(plain, config, c.form, ids, [4, 1, 1, 1, 3]);
      expect(zeroLogits).toEqual(baseCached);
    });
  }
});
