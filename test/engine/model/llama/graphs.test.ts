// The inference graphs' forms, read from their lowered nodes: which contrib ops, how many MatMuls (packing),
// which inputs and outputs, per cache form and kind. These are the counts the speed was measured with
// (DECODE_PACKING, SCORE_PACKING): a change to the forward that adds or splits a heavy op shows here.
// Numbers (parity with PyTorch, decoding with the cache) are in parity.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ModelConfig, ModelConfigInput } from '../../../../src/engine/model/config';
import { readModelFolder } from '../../../../src/engine/model/folder';
import { cacheForm, decodeModel, scoreModel } from '../../../../src/engine/model/llama/graphs';
import type { TensorReader } from '../../../../src/engine/model/safetensors';
import type { OnnxModel } from '../../../../src/engine/graph/onnx/encode';
import { writeTestModel } from '../../../helpers/model';
import { tempDir } from '../../../helpers/tmp';

const dir = tempDir();
const readers: TensorReader[] = [];
afterAll(async () => {
  for (const r of readers) await r.close();
});

const L = 3;
const base = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 50,
  intermediateSize: 48,
  numHiddenLayers: L,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
} as const;

async function model(name: string, input: ModelConfigInput): Promise<{ config: ModelConfig; weights: TensorReader; folder: string }> {
  const folder = join(dir, name);
  await writeTestModel(folder, input);
  const { config, weights } = await readModelFolder(folder);
  readers.push(weights);
  return { config, weights, folder };
}

function counts(m: OnnxModel): Record<string, number> {
  const c: Record<string, number> = {};
  for (const n of m.graph.nodes) c[n.opType] = (c[n.opType] ?? 0) + 1;
  return c;
}
const heavy = (m: OnnxModel) => {
  const c = counts(m);
  return {
    gqa: c.GroupQueryAttention ?? 0,
    skipNorm: c.SkipSimplifiedLayerNormalization ?? 0,
    matmul: c.MatMul ?? 0,
    softmax: c.Softmax ?? 0,
    split: c.Split ?? 0,
    logSoftmax: c.LogSoftmax ?? 0,
  };
};
const names = (vs: readonly { name: string }[]) => vs.map((v) => v.name);

describe('Llama inference graph forms', () => {
  it('head size 16: GroupQueryAttention with its own rotary, q/k/v packed; decode also packs gate/up and outputs only the new rows', async () => {
    const { config, weights, folder } = await model('head16', { ...base, hiddenSize: 64 });
    expect(cacheForm(config)).toBe('rows');
    const decode = decodeModel(config, weights, { graphDir: folder, lastOnly: true });
    // Per layer: qkv, o, gate+up, down; then the head.
    expect(heavy(decode)).toEqual({ gqa: L, skipNorm: 2 * L, matmul: 4 * L + 1, softmax: 0, split: L, logSoftmax: 0 });
    expect(
      decode.graph.nodes
        .filter((n) => n.opType === 'GroupQueryAttention')
        .every((n) => n.domain === 'com.microsoft' && n.inputs.length === 9 && n.inputs[1] === '' && n.inputs[3] !== ''),
    ).toBe(true);
    expect(decode.extraOpsets).toEqual({ 'com.microsoft': 1 });
    expect(names(decode.graph.inputs)).toEqual([
      'input_ids',
      'seqlens_k',
      'total_sequence_length',
      ...Array.from({ length: L }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat(),
    ]);
    expect(names(decode.graph.outputs)).toEqual(['logits', 'new_key_values']);
    expect(decode.graph.outputs[0]!.shape).toEqual(['batch', 1, 50]);
    expect(names(decodeModel(config, weights, { graphDir: folder, lastOnly: false, logProbs: true }).graph.outputs)).toEqual([
      'log_probs',
      'new_key_values',
    ]);
    const score = scoreModel(config, weights, { graphDir: folder });
    // Score packs q/k/v only: per layer qkv, o, gate, up, down.
    expect(heavy(score)).toEqual({ gqa: L, skipNorm: 2 * L, matmul: 5 * L + 1, softmax: 0, split: 0, logSoftmax: 1 });
    expect(names(score.graph.outputs)).toEqual(['token_logprobs']);
  });

  it('head size 8: GroupQueryAttention after Grove rotates q and k (unpacked)', async () => {
    const { config, weights, folder } = await model('head8', { ...base, hiddenSize: 32 });
    expect(cacheForm(config)).toBe('rows');
    expect(heavy(decodeModel(config, weights, { graphDir: folder, lastOnly: true }))).toEqual({
      gqa: L,
      skipNorm: 2 * L,
      matmul: 6 * L + 1,
      softmax: 0,
      split: 3 * L,
      logSoftmax: 0,
    });
    expect(heavy(scoreModel(config, weights, { graphDir: folder }))).toEqual({
      gqa: L,
      skipNorm: 2 * L,
      matmul: 7 * L + 1,
      softmax: 0,
      split: 2 * L,
      logSoftmax: 1,
    });
  });

  it('head size 4: plain ops with a concatenated cache (the contrib op does not take it)', async () => {
    const { config, weights, folder } = await model('head4', { ...base, hiddenSize: 16 });
    expect(cacheForm(config)).toBe('concat');
    const decode = decodeModel(config, weights, { graphDir: folder, lastOnly: false });
    // Per layer q, k, v, o, gate, up, down and attention's two; no contrib op, no opset for one.
    expect(heavy(decode)).toEqual({ gqa: 0, skipNorm: 0, matmul: 9 * L + 1, softmax: L, split: 2 * L, logSoftmax: 0 });
    expect(decode.extraOpsets).toBeUndefined();
    expect(names(decode.graph.outputs)).toEqual([
      'logits',
      ...Array.from({ length: L }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat(),
    ]);
  });
});
