// The rank-r approximation of a weighted sum of adapters against the direct computation: per projection the
// dense delta D = sum_j w_j s_j B_j A_j is formed here and decomposed by PyTorch; the result's s B A equals
// torch's best rank-r approximation of D, the reported error equals ||D - s B A||_F / ||D||_F (and the overall
// one the pooled ratio); at r >= the parents' total rank the delta is exact; components D does not have get a
// fresh A row and a zero B column (the delta unchanged, the direction trainable).
import { describe, expect, it } from 'vitest';
import { truncateAdapterSum } from '../../../../src/engine/forest/merge/lora-truncate';
import { parseModelConfig } from '../../../../src/engine/model/config';
import type { LoraConfig } from '../../../../src/engine/model/lora';
import { adaptedProjections, checkAdapter } from '../../../../src/engine/model/lora-adapter';
import { adapterDelta, denseDelta, frobenius, randomAdapter, relativeMaxDiff, torchTruncatedSvd } from '../../../helpers/lora';
import { torchFor } from '../../../helpers/torch';

const torchAvailable = torchFor('adapter truncation against torch');

const config = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 50,
  hiddenSize: 32,
  intermediateSize: 48,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
});
const all: LoraConfig = { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] };
const parents = [
  { adapter: randomAdapter(config, all, 1), weight: 2, label: 'a' },
  { adapter: randomAdapter(config, { rank: 6, alpha: 6, targets: ['q_proj', 'k_proj', 'up_proj'] }, 2), weight: 1, label: 'b' },
  // rank 12 on k/v (out 16): the stack is wider than the projection there (the dense path)
  { adapter: randomAdapter(config, { rank: 12, alpha: 24, targets: ['k_proj', 'v_proj', 'down_proj'] }, 3), weight: 1, label: 'c' },
];
const projections = adaptedProjections(config, all.targets);

describe.skipIf(!torchAvailable)('rank-r approximation of a weighted sum of adapters', () => {
  it('s B A = torch SVD truncation of the dense delta; errors as measured from it', () => {
    const rank = 5;
    const t = truncateAdapterSum(config, parents, { rank, alpha: 10 });
    expect(t.adapter.lora).toEqual({ rank, alpha: 10, targets: all.targets });
    checkAdapter(config, t.adapter, 'truncated');
    const dense = projections.map((p) => denseDelta(parents, p.projection, p.out, p.in));
    const refs = torchTruncatedSvd(projections.map((p, i) => ({ rows: p.out, cols: p.in, data: dense[i]!, rank })));
    let dropped = 0;
    let total = 0;
    projections.forEach((p, i) => {
      const approx = adapterDelta(t.adapter, p.projection, p.out, p.in);
      expect(relativeMaxDiff(approx, refs[i]!.truncated), p.projection).toBeLessThan(1e-5); // float32 factors
      const D = dense[i]!;
      const residual = frobenius(D.map((x, j) => x - approx[j]!));
      const reported = t.projections[i]!;
      expect(reported.projection).toBe(p.projection);
      const stacked = parents.reduce((n, x) => n + (x.adapter.lora.targets.includes(p.target) ? x.adapter.lora.rank : 0), 0);
      if (stacked > rank)
        expect(reported.relativeError, p.projection).toBeGreaterThan(0.05); // the rank is really cut
      else expect(reported.relativeError, p.projection).toBeLessThan(1e-7); // parent a alone: rank 4
      expect(Math.abs(reported.relativeError - residual / frobenius(D)), p.projection).toBeLessThan(1e-5);
      expect(reported.norm / frobenius(D)).toBeCloseTo(1, 10);
      dropped += residual ** 2;
      total += frobenius(D) ** 2;
    });
    expect(Math.abs(t.relativeError - Math.sqrt(dropped / total))).toBeLessThan(1e-5);
  });
});

describe('rank-r approximation, exact cases', () => {
  it('r at or above the total rank: the delta exactly; the components D lacks get a fresh A row and a zero B column', () => {
    const two = parents.slice(0, 2); // total rank 10 on q/k/up, 4 elsewhere
    const t = truncateAdapterSum(config, two, { rank: 12, seed: 3 });
    expect(t.adapter.lora.alpha).toBe(12);
    expect(t.relativeError).toBeLessThan(1e-7);
    for (const p of projections) {
      expect(
        relativeMaxDiff(adapterDelta(t.adapter, p.projection, p.out, p.in), denseDelta(two, p.projection, p.out, p.in)),
        p.projection,
      ).toBeLessThan(1e-5);
    }
    // v_proj has rank 4 from parent a alone: components 4..11 are absent from D.
    const A = t.adapter.tensors.get('model.layers.0.self_attn.v_proj.lora_A.weight')!; // [12, 32]
    const B = t.adapter.tensors.get('model.layers.0.self_attn.v_proj.lora_B.weight')!; // [16, 12]
    for (let i = 4; i < 12; i++) {
      expect(frobenius(A.subarray(i * 32, (i + 1) * 32)), `A row ${i}`).toBeGreaterThan(0.1);
      expect(
        Array.from({ length: 16 }, (_, o) => B[o * 12 + i]).every((x) => x === 0),
        `B column ${i}`,
      ).toBe(true);
    }
    // PEFT's range for a fresh A: U(-1/sqrt(in), 1/sqrt(in)).
    expect(A.subarray(4 * 32).every((x) => Math.abs(x) <= 1 / Math.sqrt(32))).toBe(true);
    // Seeded: the same call gives the same adapter.
    expect(
      truncateAdapterSum(config, two, { rank: 12, seed: 3 }).adapter.tensors.get('model.layers.0.self_attn.v_proj.lora_A.weight'),
    ).toEqual(A);
  });

  it('a sum whose delta is zero (fresh adapters, B = 0): error 0 and a fresh start everywhere', () => {
    const fresh = randomAdapter(config, all, 5);
    const zeroB = {
      lora: all,
      tensors: new Map([...fresh.tensors].map(([n, v]) => [n, n.includes('lora_B') ? new Float32Array(v.length) : v])),
    };
    const t = truncateAdapterSum(config, [{ adapter: zeroB, weight: 1 }], { rank: 4 });
    expect(t.relativeError).toBe(0);
    expect(t.projections.every((p) => p.norm === 0 && p.relativeError === 0)).toBe(true);
    expect([...t.adapter.tensors].filter(([n]) => n.includes('lora_B')).every(([, v]) => v.every((x) => x === 0))).toBe(true);
    expect([...t.adapter.tensors].filter(([n]) => n.includes('lora_A')).every(([, v]) => frobenius(v) > 0)).toBe(true);
  });

  it('refuses no parents and a bad rank', () => {
    expect(() => truncateAdapterSum(config, [], { rank: 4 })).toThrow(/no adapters given/);
    expect(() => truncateAdapterSum(config, parents, { rank: 0 })).toThrow(/LoRA rank 0 is not a positive integer/);
  });
});
