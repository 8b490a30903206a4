// The adapter checks and the stacked factors every adapter operation starts from: an adapter that does not fit
// the base (a tensor missing, of another size, left over, not finite) is refused by name; the stacked B A of
// a projection equals the weighted delta formed densely (weights normalised, a parent without the target
// adding nothing, a zero-weight parent left out); targets are unioned in Grove's order.
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/engine/model/config';
import type { LoraConfig } from '../../../src/engine/model/lora';
import { adaptedProjections, checkAdapter, normaliseAdapters, stackedFactors, unionTargets } from '../../../src/engine/model/lora-adapter';
import { denseDelta, randomAdapter, relativeMaxDiff } from '../../helpers/lora';

const config = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 50,
  hiddenSize: 32,
  intermediateSize: 48,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
});
const p1: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const p2: LoraConfig = { rank: 3, alpha: 5, targets: ['q_proj', 'up_proj'] };
const p3: LoraConfig = { rank: 2, alpha: 16, targets: ['v_proj', 'down_proj'] };

describe('adapter checks', () => {
  it('accepts an adapter that fits; refuses a missing, resized, extra or non-finite tensor by name', () => {
    const good = randomAdapter(config, p2, 1);
    expect(() => checkAdapter(config, good, 'expert-a')).not.toThrow();
    const without = new Map(good.tensors);
    without.delete('model.layers.1.mlp.up_proj.lora_B.weight');
    expect(() => checkAdapter(config, { lora: p2, tensors: without }, 'expert-a')).toThrow(
      /expert-a: adapter tensor model\.layers\.1\.mlp\.up_proj\.lora_B\.weight is missing/,
    );
    const resized = new Map(good.tensors).set('model.layers.0.self_attn.q_proj.lora_A.weight', new Float32Array(3 * 64));
    expect(() => checkAdapter(config, { lora: p2, tensors: resized }, 'expert-a')).toThrow(
      /holds 192 values, but rank 3 on this base needs \[3, 32\]/,
    );
    const extra = new Map(good.tensors).set('model.layers.0.self_attn.k_proj.lora_A.weight', new Float32Array(3 * 32));
    expect(() => checkAdapter(config, { lora: p2, tensors: extra }, 'expert-a')).toThrow(
      /k_proj\.lora_A\.weight that its settings \(targets q_proj, up_proj\) do not use/,
    );
    const nan = new Map(good.tensors).set('model.layers.0.self_attn.q_proj.lora_B.weight', new Float32Array(32 * 3).fill(Number.NaN));
    expect(() => checkAdapter(config, { lora: p2, tensors: nan }, 'expert-a')).toThrow(/holds NaN/);
    const deeper = parseModelConfig({ ...config, numHiddenLayers: 3 });
    expect(() => checkAdapter(deeper, good, 'expert-a')).toThrow(/layers\.2\.self_attn\.q_proj\.lora_A\.weight is missing/);
  });

  it('normalises weights and refuses bad ones', () => {
    const a = randomAdapter(config, p2, 1);
    expect(
      normaliseAdapters(config, [
        { adapter: a, weight: 3 },
        { adapter: a, weight: 1, label: 'b' },
      ]).map((p) => [p.weight, p.label]),
    ).toEqual([
      [0.75, 'adapter 1'],
      [0.25, 'b'],
    ]);
    expect(() => normaliseAdapters(config, [{ adapter: a, weight: 0 }])).toThrow(/all weights are zero/);
    expect(() => normaliseAdapters(config, [{ adapter: a, weight: -1 }])).toThrow(/must be finite and >= 0/);
  });
});

describe('stacked factors', () => {
  it('B A of every projection = sum_j w_j s_j B_j A_j formed densely; union of targets in Grove order', () => {
    const parts = [
      { adapter: randomAdapter(config, p1, 1), weight: 5 },
      { adapter: randomAdapter(config, p2, 2), weight: 3 },
      { adapter: randomAdapter(config, p3, 3), weight: 2 },
      { adapter: randomAdapter(config, p3, 4), weight: 0 }, // adds nothing, and no rank
    ];
    const targets = unionTargets([p3, p2, p1].map((lora) => ({ lora, tensors: new Map() })));
    expect(targets).toEqual(p1.targets);
    expect(unionTargets([p3, p2].map((lora) => ({ lora, tensors: new Map() })))).toEqual(['q_proj', 'v_proj', 'up_proj', 'down_proj']);
    const used = normaliseAdapters(config, parts);
    const projections = adaptedProjections(config, targets);
    expect(projections).toHaveLength(14);
    expect(projections[6]).toEqual({ projection: 'model.layers.0.mlp.down_proj', target: 'down_proj', out: 32, in: 48 });
    expect(projections[1]).toEqual({ projection: 'model.layers.0.self_attn.k_proj', target: 'k_proj', out: 16, in: 32 });
    for (const p of projections) {
      const s = stackedFactors(used, p);
      const expectedRank = 4 + (p2.targets.includes(p.target) ? 3 : 0) + (p3.targets.includes(p.target) ? 2 : 0);
      expect(s.rank, p.projection).toBe(expectedRank);
      const D = new Float64Array(p.out * p.in);
      for (let o = 0; o < p.out; o++)
        for (let k = 0; k < s.rank; k++) for (let c = 0; c < p.in; c++) D[o * p.in + c]! += s.B[o * s.rank + k]! * s.A[k * p.in + c]!;
      expect(relativeMaxDiff(D, denseDelta(parts, p.projection, p.out, p.in)), p.projection).toBeLessThan(1e-12);
    }
  });
});
