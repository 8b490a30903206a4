// Shape inference at build time: symbolic dims, broadcasting, and errors that name the op and shapes.
import { describe, expect, it } from 'vitest';
import { dim, dimAdd, dimDiv, dimEq, dimMul, dimSub, Graph } from '../../../src/engine/graph';

const shapeOf = (v: { shape: readonly unknown[] }) => [...v.shape];

describe('symbolic dims', () => {
  it('canonicalises sums and products of names', () => {
    expect(dim('T*B')).toBe('B*T');
    expect(dim('S+P')).toBe('P+S');
    expect(dim('2*T - T + 3')).toBe('T+3');
    expect(dim('B-B+4')).toBe(4);
    expect(dimMul('B', 'T')).toBe('B*T');
    expect(dimMul('B+1', 2)).toBe('2*B+2');
    expect(dimAdd('P', 'S')).toBe('P+S');
    expect(dimSub('P+S', 'P')).toBe('S');
    expect(dimDiv('B*T*8', 8)).toBe('B*T');
    expect(dimDiv('B*T*8', 'T')).toBe('8*B');
    expect(dimDiv('B*T', 3)).toBeUndefined();
    expect(dimEq('B*T', 'T*B')).toBe(true);
    expect(() => dim('B/T')).toThrow(/neither a name nor an integer/);
  });
});

describe('shape inference', () => {
  it('infers matmul, broadcasting, reductions and reshapes with named dims', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['B', 'T', 64]);
    const w = g.input('w', 'float32', [64, 32]);
    const h = g.matmul(x, w);
    expect(shapeOf(h)).toEqual(['B', 'T', 32]);
    expect(shapeOf(g.add(h, g.input('bias', 'float32', [32])))).toEqual(['B', 'T', 32]);
    expect(shapeOf(g.reduceMean(h, -1, true))).toEqual(['B', 'T', 1]);
    expect(shapeOf(g.reduceSum(h, [0, 1]))).toEqual([32]);
    const flat = g.reshape(h, [-1, 32]);
    expect(shapeOf(flat)).toEqual(['B*T', 32]);
    expect(shapeOf(g.reshape(flat, ['B', 'T', 4, 8]))).toEqual(['B', 'T', 4, 8]);
    expect(shapeOf(g.transpose(g.reshape(h, ['B', 'T', 4, -1]), [0, 2, 1, 3]))).toEqual(['B', 4, 'T', 8]);
    expect(shapeOf(g.matmul(g.input('q', 'float32', ['B', 2, 3, 'T', 8]), g.input('kt', 'float32', ['B', 2, 1, 8, 'T'])))).toEqual([
      'B',
      2,
      3,
      'T',
      'T',
    ]);
  });

  it('tracks KV-cache lengths: concat, slices, ranges, splits, pads', () => {
    const g = new Graph();
    const past = g.input('past', 'float32', ['B', 2, 'P', 8]);
    const now = g.input('now', 'float32', ['B', 2, 'S', 8]);
    const all = g.concat([past, now], 2);
    expect(shapeOf(all)).toEqual(['B', 2, 'P+S', 8]);
    expect(shapeOf(g.arange('P', 'P+S'))).toEqual(['S']);
    expect(shapeOf(g.slice(all, 2, 1))).toEqual(['B', 2, 'P+S-1', 8]);
    expect(shapeOf(g.slice(all, 2, -1))).toEqual(['B', 2, 1, 8]);
    expect(shapeOf(g.slice(all, -1, 0, 4))).toEqual(['B', 2, 'P+S', 4]);
    expect(shapeOf(g.slice(now, -1, 1, 8, 2))).toEqual(['B', 2, 'S', 4]);
    expect(g.split(all, 2, ['P', 'S']).map(shapeOf)).toEqual([shapeOf(past), shapeOf(now)]);
    expect(shapeOf(g.pad(now, [0, 0, 'P', 0, 0, 0, 0, 0]))).toEqual(['B', 2, 'P+S', 8]);
    expect(shapeOf(g.gather(g.input('emb', 'float32', [100, 8]), g.input('ids', 'int64', ['B', 'S'])))).toEqual(['B', 'S', 8]);
    expect(shapeOf(g.expand(g.input('m', 'float32', ['S', 1]), ['B', 1, 'S', 'P+S']))).toEqual(['B', 1, 'S', 'P+S']);
    expect(shapeOf(g.unsqueeze(now, [0, -1]))).toEqual([1, 'B', 2, 'S', 8, 1]);
  });

  it('errors name the op, the scope and the input shapes', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['B', 'T', 64]);
    const w = g.input('w', 'float32', [32, 64]);
    expect(() => g.scope('layers.0/attn', () => g.matmul(x, w))).toThrow(
      /matmul in layers\.0\/attn \(inputs float32\[B, T, 64\], float32\[32, 64\]\): inner dims .* differ \(64 vs 32\)/,
    );
    expect(() => g.add(x, g.input('y', 'float32', ['B', 64]))).toThrow(
      /add .*shapes \[B, T, 64\] and \[B, 64\] do not broadcast \(axis -2: T vs B\)/,
    );
    expect(() => g.add(x, g.input('h', 'float64', [64]))).toThrow(/add .*dtypes differ \(float32, float64\)/);
    expect(() => g.reshape(x, [-1, 48])).toThrow(
      /reshape .*cannot infer -1 in \[-1, 48\]: \[B, T, 64\] has 64\*B\*T elements, not a multiple of 48/,
    );
    expect(() => g.reshape(x, ['B', 64])).toThrow(/cannot reshape \[B, T, 64\]/);
    expect(() => g.squeeze(x, 1)).toThrow(/squeeze .*axis 1 has size T, not 1/);
    expect(() => g.softmax(g.input('i', 'int64', [3]))).toThrow(/softmax .*floating-point/);
    expect(() => g.concat([x, g.input('z', 'float32', ['B', 'T', 32])], 1)).toThrow(/concat .*dims at axis 2 differ \(64 vs 32\)/);
    expect(() => g.split(x, -1, [30, 30])).toThrow(/split .*sum and axis 2 differ \(60 vs 64\)/);
    expect(() => g.transpose(x, [0, 0, 1])).toThrow(/not a permutation/);
    expect(() => g.gather(w, x)).toThrow(/indices must be int64 or int32/);
    expect(() => g.input('x', 'float32', [1])).toThrow(/already has an input or initializer named "x"/);
  });

  it('prints as text, one node a line', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['B', 4]);
    g.output(
      'y',
      g.scope('mlp', () => g.reduceSum(g.mul(x, 2), -1).named('s')),
    );
    expect(String(g).split('\n')).toEqual([
      'input x_0: float32[B, 4]',
      'mlp/mul_2: float32[B, 4] = mul(x_0, const_1)',
      'mlp/s_3: float32[B] = reduceSum(mul_2) {"axes":[-1],"keepdims":false}',
      'output y = s_3',
    ]);
    expect(() => new Graph().output('y', x)).toThrow(/another graph/);
  });

  it('lifts numbers to scalar constants of the other operand and shares them', () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const y = g.mul(x, 0.5);
    expect(y.dtype).toBe('float64');
    expect(g.add(x, 0.5).node!.inputs[1]).toBe(y.node!.inputs[1]);
    expect(g.scalar(1, 'float32')).toBe(g.scalar(1, 'float32'));
    expect(g.scalar(1, 'float32')).not.toBe(g.scalar(1, 'float64'));
  });
});
