// The exact weighted sum of adapters by concatenation against the direct computation: for parents of other
// ranks, scales and targets, the result's delta s B A equals sum_j w_j s_j B_j A_j formed densely for every
// projection of the union of targets (float32 rounding of the scaled B only); rank = the sum of the used
// parents' ranks, alpha = rank by default or as given (same delta); a zero-weight parent adds no rank.
import { describe, expect, it } from 'vitest';
import { concatAdapters } from '../../../../src/engine/forest/merge/lora-concat';
import { parseModelConfig } from '../../../../src/engine/model/config';
import type { LoraConfig } from '../../../../src/engine/model/lora';
import { adaptedProjections, checkAdapter } from '../../../../src/engine/model/lora-adapter';
import { adapterDelta, denseDelta, randomAdapter, relativeMaxDiff } from '../../../helpers/lora';

const config = parseModelConfig({
  architecture: 'Qwen2ForCausalLM',
  vocabSize: 50,
  hiddenSize: 32,
  intermediateSize: 48,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  qkvBias: true,
});
const p1: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const p2: LoraConfig = { rank: 3, alpha: 5, targets: ['q_proj', 'up_proj'] };
const p3: LoraConfig = { rank: 2, alpha: 16, targets: ['v_proj', 'down_proj'] };
const parents = [
  { adapter: randomAdapter(config, p1, 1), weight: 0.5, label: 'a' },
  { adapter: randomAdapter(config, p2, 2), weight: 0.3, label: 'b' },
  { adapter: randomAdapter(config, p3, 3), weight: 0.2, label: 'c' },
];

describe('exact weighted sum of adapters (concatenation)', () => {
  it('s B A = sum_j w_j s_j B_j A_j on every projection; rank 9, alpha 9, the union of targets', () => {
    const sum = concatAdapters(config, parents);
    expect(sum.lora).toEqual({ rank: 9, alpha: 9, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
    checkAdapter(config, sum, 'the sum'); // every tensor there with its shape, nothing else
    for (const p of adaptedProjections(config, sum.lora.targets)) {
      expect(
        relativeMaxDiff(adapterDelta(sum, p.projection, p.out, p.in), denseDelta(parents, p.projection, p.out, p.in)),
        p.projection,
      ).toBeLessThan(1e-6);
    }
    // The parents' A are kept as they are (a branch trains from them): parent b's block of q_proj is rows 4..6.
    const a = sum.tensors.get('model.layers.1.self_attn.q_proj.lora_A.weight')!;
    expect(a.subarray(4 * 32, 7 * 32)).toEqual(parents[1]!.adapter.tensors.get('model.layers.1.self_attn.q_proj.lora_A.weight'));
    // Parent b does not target k_proj: zeros in its block there.
    expect(
      sum.tensors
        .get('model.layers.0.self_attn.k_proj.lora_A.weight')!
        .subarray(4 * 32, 7 * 32)
        .every((x) => x === 0),
    ).toBe(true);
  });

  it('any alpha gives the same delta; weights need not be normalised; a zero-weight parent adds no rank', () => {
    const reference = concatAdapters(config, parents);
    const scaled = concatAdapters(
      config,
      parents.map((p) => ({ ...p, weight: p.weight * 7 })).concat([{ adapter: randomAdapter(config, p1, 9), weight: 0, label: 'unused' }]),
      { alpha: 18 },
    );
    expect(scaled.lora).toEqual({ ...reference.lora, alpha: 18 });
    for (const p of adaptedProjections(config, reference.lora.targets)) {
      expect(
        relativeMaxDiff(adapterDelta(scaled, p.projection, p.out, p.in), adapterDelta(reference, p.projection, p.out, p.in)),
      ).toBeLessThan(1e-6);
    }
  });

  it('one parent of weight 1 with alpha = its own: the same tensors back', () => {
    const one = concatAdapters(config, [{ adapter: parents[0]!.adapter, weight: 2 }], { alpha: 8 });
    expect(one.lora).toEqual(p1);
    for (const [name, data] of parents[0]!.adapter.tensors) expect(one.tensors.get(name), name).toEqual(data);
  });

  it('refuses no parents, and a parent that does not fit the base', () => {
    expect(() => concatAdapters(config, [])).toThrow(/no adapters given/);
    const other = parseModelConfig({ ...config, intermediateSize: 64 });
    expect(() => concatAdapters(other, parents)).toThrow(
      /a: adapter tensor model\.layers\.0\.mlp\.gate_proj\.lora_B\.weight holds 192 values/,
    );
  });
});
