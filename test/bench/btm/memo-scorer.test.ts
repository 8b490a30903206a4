import { describe, expect, it } from 'vitest';
import { MemoScorer } from '../../../src/bench/btm/memo-scorer';

describe('MemoScorer', () => {
  it('runs each distinct window batch through the model once and returns the same scores after', async () => {
    const calls: number[] = [];
    const model = {
      async score(inputs: ArrayLike<number>, targets: ArrayLike<number>) {
        calls.push(inputs.length);
        return Float32Array.from(Array.from(targets, (t, i) => -(t as number) - (inputs[i] as number) / 10));
      },
    };
    const counted: number[] = [];
    const memo = new MemoScorer(model, (n) => counted.push(n));
    const a = { inputs: Int32Array.from([1, 2, 3, 4]), targets: Int32Array.from([2, 3, 4, 5]) };
    const b = { inputs: Int32Array.from([1, 2, 3, 4]), targets: Int32Array.from([2, 3, 4, 6]) };
    const first = await memo.score(a.inputs, a.targets, 2);
    first[0] = 99; // a caller writing into its result must not change what is remembered
    expect(Array.from(await memo.score(Int32Array.from(a.inputs), Int32Array.from(a.targets), 2))).toEqual(
      Array.from(Float32Array.from([-2.1, -3.2, -4.3, -5.4])),
    );
    expect(calls).toHaveLength(1);
    await memo.score(b.inputs, b.targets, 2);
    await memo.score(a.inputs, a.targets, 1); // same tokens as another batch shape: a different call
    expect(calls).toHaveLength(3);
    expect(memo.scoredTokens).toBe(12);
    expect(counted).toEqual([4, 4, 4]);
  });
});
