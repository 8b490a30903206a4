// Each merge method against a direct computation written here, independently of the method's code, on small
// tensors: the formulas as mergekit states them, element by element.
import { describe, expect, it } from 'vitest';
import { dareLinear, dareTies } from '../../../../src/engine/forest/merge/dare';
import { linearTensor } from '../../../../src/engine/forest/merge/linear-tensor';
import { slerp } from '../../../../src/engine/forest/merge/slerp';
import { taskArithmetic } from '../../../../src/engine/forest/merge/task-arithmetic';
import { resolveParams, type TensorMergeMethod } from '../../../../src/engine/forest/merge/tensor-method';
import { ties } from '../../../../src/engine/forest/merge/ties';

const f32 = (xs: number[]) => Float32Array.from(xs);
const base = f32([0.5, -1, 2, 0, 1, -0.25]);
const a = f32([1.5, -1, 1, 0.5, 1, 0.75]); // delta a: [1, 0, -1, 0.5, 0, 1]
const b = f32([0, -3, 2.5, -0.5, 1.5, 0.25]); // delta b: [-0.5, -2, 0.5, -0.5, 0.5, 0.5]

function run(method: TensorMergeMethod, models: Float32Array[], given: Parameters<typeof resolveParams>[2], withBase = true): number[] {
  return [
    ...method.mergeTensor({ name: 'layer.weight', models, base: withBase ? base : null }, resolveParams(method, models.length, given)),
  ];
}

describe('merge methods, one tensor', () => {
  it('linear: the weighted average (normalised by default)', () => {
    const out = run(linearTensor, [a, b], { perModel: { weight: [3, 1] } }, false);
    out.forEach((v, i) => expect(v).toBeCloseTo((3 * a[i]! + 1 * b[i]!) / 4, 6));
    const raw = run(linearTensor, [a, b], { perModel: { weight: [3, 1] }, global: { normalize: false } }, false);
    raw.forEach((v, i) => expect(v).toBeCloseTo(3 * a[i]! + b[i]!, 6));
  });

  it('task_arithmetic: base + sum of weighted task vectors (not normalised by default)', () => {
    const out = run(taskArithmetic, [a, b], { perModel: { weight: [0.7, 0.3] } });
    const expected = [0.5 + 0.7 * 1 + 0.3 * -0.5, -1 + 0 + 0.3 * -2, 2 - 0.7 + 0.15, 0 + 0.35 - 0.15, 1 + 0 + 0.15, -0.25 + 0.7 + 0.15];
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('ties: trims to the largest entries, elects a sign per entry, averages the agreeing entries', () => {
    // density 0.5 keeps 3 of 6 entries by magnitude: a keeps [1, _, -1, _, _, 1] (ties broken by index),
    // b keeps [_, -2, _, _, _, _] plus two of the 0.5s: entries 0 (-0.5) and 2 (0.5), the first by index.
    const out = run(ties, [a, b], { perModel: { weight: [1, 1], density: [0.5, 0.5] } });
    const ta = [1, 0, -1, 0, 0, 1];
    const tb = [-0.5, -2, 0.5, 0, 0, 0];
    const expected = ta.map((x, i) => {
      const y = tb[i]!;
      const sign = x + y >= 0 ? 1 : -1;
      const agree = [x, y].filter((v) => Math.sign(v) === sign);
      const mean = agree.length ? agree.reduce((s, v) => s + v, 0) / agree.length : 0;
      return base[i]! + mean;
    });
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // entry 0: 1 and -0.5 -> sign +, only a's 1 -> 0.5 + 1; entry 1: only b's -2 -> -3
    expect(out[0]).toBeCloseTo(1.5, 6);
    expect(out[1]).toBeCloseTo(-3, 6);
  });

  it('dare: the same seed gives the same tensor, another seed another; density 1 is task arithmetic / TIES', () => {
    const big = (k: number) => Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i * (k + 1)) + (i % 7) / 7);
    const wide = [big(1), big(2)];
    const bigBase = Float32Array.from({ length: 4000 }, () => 0);
    const merge = (method: TensorMergeMethod, seed: number, density = 0.3) =>
      method.mergeTensor(
        { name: 'x', models: wide, base: bigBase },
        resolveParams(method, 2, { perModel: { weight: [0.5, 0.5], density: [density, density] }, seed }),
      );
    expect(merge(dareLinear, 7)).toEqual(merge(dareLinear, 7));
    expect(merge(dareLinear, 7)).not.toEqual(merge(dareLinear, 8));
    // Kept entries are rescaled by 1/density: with one model, each entry is 0 or delta / 0.3.
    const one = dareLinear.mergeTensor(
      { name: 'x', models: [wide[0]!], base: bigBase },
      resolveParams(dareLinear, 1, { perModel: { weight: [1], density: [0.3] }, seed: 3 }),
    );
    let kept = 0;
    one.forEach((v, i) => {
      if (v !== 0) {
        kept++;
        expect(v).toBeCloseTo(wide[0]![i]! / 0.3, 4);
      }
    });
    expect(kept / one.length).toBeGreaterThan(0.27);
    expect(kept / one.length).toBeLessThan(0.33);
    const plain = taskArithmetic.mergeTensor(
      { name: 'x', models: wide, base: bigBase },
      resolveParams(taskArithmetic, 2, { perModel: { weight: [0.5, 0.5] } }),
    );
    expect(merge(dareLinear, 1, 1)).toEqual(plain);
    expect(merge(dareTies, 1, 1)).toEqual(
      ties.mergeTensor(
        { name: 'x', models: wide, base: bigBase },
        resolveParams(ties, 2, { perModel: { weight: [0.5, 0.5] }, global: { normalize: false } }),
      ),
    );
  });

  it('slerp: walks the angle between the two tensors; parallel tensors interpolate linearly', () => {
    const p = f32([1, 0]);
    const q = f32([0, 2]);
    const out = run(slerp, [p, q], { global: { t: 0.5 } }, false);
    // theta = 90 degrees: s0 = s1 = sin(45)/sin(90)
    const s = Math.sin(Math.PI / 4);
    expect(out[0]).toBeCloseTo(s * 1, 6);
    expect(out[1]).toBeCloseTo(s * 2, 6);
    expect(run(slerp, [p, q], { global: { t: 0 } }, false)).toEqual([1, 0]);
    expect(run(slerp, [p, f32([2, 0])], { global: { t: 0.25 } }, false)).toEqual([1.25, 0]);
  });

  it('refuses what a method cannot take, naming the method and the parameter', () => {
    expect(() => run(slerp, [a, b, a], { global: { t: 0.5 } }, false)).toThrow(/merge slerp: it takes exactly 2 models, not 3/);
    expect(() => run(slerp, [a, b], {}, false)).toThrow(/merge slerp: give t/);
    expect(() => run(ties, [a, b], { perModel: { weight: [1, 1], density: [1.5, 1] } })).toThrow(
      /merge ties: density is 1.5; it must be a finite number >= 0 and <= 1/,
    );
    expect(() => run(linearTensor, [a, b], { perModel: { weight: [1] } }, false)).toThrow(/1 values of weight for 2 models/);
    expect(() => run(linearTensor, [a], { perModel: { weight: [1] }, global: { lambda: 2 } }, false)).toThrow(/has no parameter "lambda"/);
    expect(() => run(taskArithmetic, [a, b], { perModel: { weight: [1, 1] } }, false)).toThrow(/needs a base model/);
    expect(() => run(linearTensor, [a, f32([1])], { perModel: { weight: [1, 1] } }, false)).toThrow(
      /1 elements in model 1 but 6 in model 0/,
    );
  });
});
