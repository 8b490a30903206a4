// ONNX export in the transformers.js layout, run through onnxruntime-node's plain API as transformers.js
// runs it (input_ids, attention_mask, position_ids, past_key_values.* -> logits, present.*): step-by-step
// decoding equals Grove's own decoder, and a left-padded batch row equals the unpadded sequence.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../../src/engine/export/index';
import type { ModelConfig, ModelConfigInput } from '../../../src/engine/model/config';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { createSession, ort, type OrtSession } from '../../../src/engine/runtime/ort';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
let tokenizer = '';
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  tokenizer = await writeTestTokenizer(dir, 300);
});
afterAll(async () => {
  for (const close of closers) await close();
});

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);

/** One transformers.js-style call: ids [B,S] after `past`, with a mask over past + new positions. */
async function run(session: OrtSession, config: ModelConfig, ids: number[][], mask: number[][], past: Record<string, ort.Tensor> | null) {
  const B = ids.length;
  const P = mask[0]!.length - ids[0]!.length;
  // transformers.js derives positions from the mask: cumsum(mask) - 1, padding at 1.
  const positions = mask.map((row) => {
    let seen = 0;
    return row.map((m) => (m ? seen++ : 1)).slice(P);
  });
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positions) };
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const kind of ['key', 'value'])
      feeds[`past_key_values.${i}.${kind}`] =
        past?.[`present.${i}.${kind}`] ?? new ort.Tensor('float32', new Float32Array(0), [B, config.numKeyValueHeads, 0, config.headDim]);
  }
  return session.run(feeds);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases: { name: string; config: ModelConfigInput }[] = [
  {
    name: 'llama-gqa-tied',
    config: {
      architecture: 'LlamaForCausalLM',
      vocabSize: 300,
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      tieWordEmbeddings: true,
      initializerRange: 0.25,
    },
  },
  {
    name: 'qwen2-untied',
    config: {
      architecture: 'Qwen2ForCausalLM',
      vocabSize: 300,
      hiddenSize: 24,
      intermediateSize: 40,
      numHiddenLayers: 2,
      numAttentionHeads: 3,
      numKeyValueHeads: 1,
      qkvBias: true,
      ropeTheta: 1e6,
      initializerRange: 0.25,
    },
  },
];

describe('ONNX export (transformers.js layout) on onnxruntime-node', () => {
  for (const c of cases) {
    it(`${c.name}: cached decoding equals Grove's decoder; left padding changes nothing`, async () => {
      const source = join(dir, c.name);
      const config = await writeTestModel(source, c.config, { seed: 4, tokenizer });
      const out = join(dir, `${c.name}-onnx`);
      await exportModel({ folder: source, format: 'onnx', out });
      for (const f of [
        'config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'generation_config.json',
        'onnx/model.onnx',
        'onnx/model.onnx_data',
      ])
        expect(existsSync(join(out, f)), f).toBe(true);
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model_type).toBe(
        config.architecture === 'Qwen2ForCausalLM' ? 'qwen2' : 'llama',
      );

      const session = await createSession(join(out, 'onnx/model.onnx'), { threads: 1 });
      closers.push(() => session.release());
      expect(session.inputNames.slice(0, 3)).toEqual(['input_ids', 'attention_mask', 'position_ids']);
      expect(session.inputNames).toContain(`past_key_values.${config.numHiddenLayers - 1}.value`);
      expect(session.outputNames).toEqual([
        'logits',
        ...Array.from({ length: config.numHiddenLayers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat(),
      ]);

      const grove = await LlamaModel.open(source, { threads: 1 });
      closers.push(() => grove.close());
      const decoder = grove.decoder();
      const V = config.vocabSize;
      const prompt = [5, 77, 123, 9, 250];
      const ids = [...prompt];
      let expected = await decoder.prefill(prompt);
      let out1 = await run(session, config, [prompt], [prompt.map(() => 1)], null);
      let logits = out1.logits!.data as Float32Array; // [1, 5, V]
      expect(maxAbsDiff(logits.subarray(4 * V), expected)).toBeLessThanOrEqual(1e-4);
      for (let step = 0; step < 6; step++) {
        const next = [17, 3, 299, 42, 8, 150][step]!;
        ids.push(next);
        expected = await decoder.step(next);
        out1 = await run(session, config, [[next]], [ids.map(() => 1)], out1 as Record<string, ort.Tensor>);
        logits = out1.logits!.data as Float32Array;
        expect(maxAbsDiff(logits, expected), `step ${step}`).toBeLessThanOrEqual(1e-4);
      }
      // Batch of two: the second row left-padded by 2; its real positions must give the same logits.
      const short = prompt.slice(0, 3);
      const batch = await run(
        session,
        config,
        [prompt, [0, 0, ...short]],
        [
          [1, 1, 1, 1, 1],
          [0, 0, 1, 1, 1],
        ],
        null,
      );
      const b = batch.logits!.data as Float32Array; // [2, 5, V]
      const alone = (await run(session, config, [short], [[1, 1, 1]], null)).logits!.data as Float32Array;
      expect(
        maxAbsDiff(b.subarray(0, 5 * V), (await run(session, config, [prompt], [[1, 1, 1, 1, 1]], null)).logits!.data as Float32Array),
      ).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(b.subarray(5 * V + 2 * V, 10 * V), alone)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('refuses an f16 ONNX export with a clear error', async () => {
    await expect(
      exportModel({ folder: join(dir, 'llama-gqa-tied'), format: 'onnx', out: join(dir, 'x16'), dtype: 'f16' }),
    ).rejects.toMatchObject({ code: 'unsupported' });
  });
});
