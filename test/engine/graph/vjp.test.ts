// Every VJP rule in the op registry against central finite differences, in float64 on onnxruntime-node's
// CPU provider, with broadcast cases; plus a check that no differentiable op is left untested.
import { describe, expect, it } from 'vitest';
import { opDef, OPS, type OpName } from '../../../src/engine/graph';
import { gradCheck, type GradCase } from './gradcheck';

const i64 = (shape: number[], values: number[]) => ({ dtype: 'int64' as const, shape, feed: shape, values });
const bool = (shape: number[], values: number[]) => ({ dtype: 'bool' as const, shape, feed: shape, values });

/** Each case names the registry ops whose rules it exercises. */
const cases: (GradCase & { ops: OpName[] })[] = [
  // elementwise, same shapes and broadcasting (the VJP must sum over broadcast axes)
  { name: 'add', ops: ['add'], inputs: [{ shape: [2, 3] }, { shape: [2, 3] }], build: (g, [a, b]) => g.add(a!, b!) },
  { name: 'add-broadcast', ops: ['add'], inputs: [{ shape: [2, 1, 4] }, { shape: [3, 1] }], build: (g, [a, b]) => g.add(a!, b!) },
  { name: 'add-scalar-input', ops: ['add'], inputs: [{ shape: [] }, { shape: [2, 3] }], build: (g, [a, b]) => g.add(a!, b!) },
  { name: 'sub-broadcast', ops: ['sub'], inputs: [{ shape: [4] }, { shape: [3, 4] }], build: (g, [a, b]) => g.sub(a!, b!) },
  { name: 'mul-broadcast', ops: ['mul'], inputs: [{ shape: [2, 3, 1] }, { shape: [1, 4] }], build: (g, [a, b]) => g.mul(a!, b!) },
  { name: 'mul-self', ops: ['mul'], inputs: [{ shape: [5] }], build: (g, [a]) => g.mul(a!, a!) },
  {
    name: 'div-broadcast',
    ops: ['div'],
    inputs: [{ shape: [2, 3] }, { shape: [3], init: 'positive' }],
    build: (g, [a, b]) => g.div(a!, b!),
  },
  {
    name: 'max-broadcast',
    ops: ['max'],
    inputs: [
      { shape: [3, 4], init: 'distinct' },
      { shape: [4], init: 'distinct' },
    ],
    build: (g, [a, b]) => g.maximum(a!, b!),
  },
  {
    name: 'min-broadcast',
    ops: ['min'],
    inputs: [
      { shape: [3, 1], init: 'distinct' },
      { shape: [3, 4], init: 'distinct' },
    ],
    build: (g, [a, b]) => g.minimum(a!, b!),
  },
  { name: 'pow-2', ops: ['pow'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.pow(a!, 2) },
  { name: 'pow-3', ops: ['pow'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.pow(a!, 3) },
  { name: 'pow-fractional', ops: ['pow'], inputs: [{ shape: [2, 3], init: 'positive' }], build: (g, [a]) => g.pow(a!, -1.5) },
  { name: 'neg', ops: ['neg'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.neg(a!) },
  { name: 'sqrt', ops: ['sqrt'], inputs: [{ shape: [2, 3], init: 'positive' }], build: (g, [a]) => g.sqrt(a!) },
  { name: 'reciprocal', ops: ['reciprocal'], inputs: [{ shape: [2, 3], init: 'positive' }], build: (g, [a]) => g.reciprocal(a!) },
  { name: 'exp', ops: ['exp'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.exp(a!) },
  { name: 'log', ops: ['log'], inputs: [{ shape: [2, 3], init: 'positive' }], build: (g, [a]) => g.log(a!) },
  { name: 'sigmoid', ops: ['sigmoid'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.sigmoid(a!) },
  { name: 'tanh', ops: ['tanh'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.tanh(a!) },
  { name: 'sin-cos', ops: ['sin', 'cos'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => [g.sin(a!), g.cos(a!)] },
  { name: 'sum-broadcast', ops: ['sum'], inputs: [{ shape: [2, 3] }, { shape: [3] }, { shape: [2, 1] }], build: (g, xs) => g.sum(xs) },
  { name: 'identity', ops: ['identity'], inputs: [{ shape: [4] }], build: (g, [a]) => g.identity(a!) },
  {
    name: 'cast-roundtrip',
    ops: ['cast'],
    inputs: [{ shape: [2, 3] }],
    build: (g, [a]) => g.cast(g.mul(g.cast(a!, 'float32'), 3), 'float64'),
    eps: 1e-2,
    tol: 1e-5,
  },
  {
    name: 'where-broadcast',
    ops: ['where'],
    inputs: [{ shape: [2, 3] }, { shape: [3] }],
    aux: [bool([2, 1], [1, 0])],
    build: (g, [a, b], [c]) => g.where(c!, a!, b!),
  },

  // matmul: plain, shared weight over a batch (the reshaped-GEMM path), broadcast batch dims
  { name: 'matmul', ops: ['matmul'], inputs: [{ shape: [3, 4] }, { shape: [4, 5] }], build: (g, [a, b]) => g.matmul(a!, b!) },
  { name: 'matmul-weight', ops: ['matmul'], inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }], build: (g, [a, b]) => g.matmul(a!, b!) },
  { name: 'matmul-batched', ops: ['matmul'], inputs: [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }], build: (g, [a, b]) => g.matmul(a!, b!) },
  {
    name: 'matmul-broadcast-batch',
    ops: ['matmul'],
    inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }],
    build: (g, [a, b]) => g.matmul(a!, b!),
  },
  {
    name: 'matmul-left-shared',
    ops: ['matmul'],
    inputs: [{ shape: [3, 4] }, { shape: [2, 4, 2] }],
    build: (g, [a, b]) => g.matmul(a!, b!),
  },

  // reductions and softmaxes
  {
    name: 'reduceSum',
    ops: ['reduceSum'],
    inputs: [{ shape: [2, 3, 4] }],
    build: (g, [a]) => [g.reduceSum(a!, 1), g.reduceSum(a!, [0, 2], true), g.reduceSum(a!)],
  },
  {
    name: 'reduceMean',
    ops: ['reduceMean'],
    inputs: [{ shape: [2, 3, 4] }],
    build: (g, [a]) => [g.reduceMean(a!, -1), g.reduceMean(a!, [0, 2], true)],
  },
  {
    name: 'reduceMax',
    ops: ['reduceMax'],
    inputs: [{ shape: [3, 4], init: 'distinct' }],
    build: (g, [a]) => [g.reduceMax(a!, 1), g.reduceMax(a!, 0, true)],
  },
  {
    name: 'reduceLogSumExp',
    ops: ['reduceLogSumExp'],
    inputs: [{ shape: [3, 4] }],
    build: (g, [a]) => [g.reduceLogSumExp(a!, -1), g.reduceLogSumExp(a!, 0, true)],
  },
  { name: 'softmax', ops: ['softmax'], inputs: [{ shape: [2, 3, 4] }], build: (g, [a]) => [g.softmax(a!, -1), g.softmax(a!, 1)] },
  {
    name: 'logSoftmax',
    ops: ['logSoftmax'],
    inputs: [{ shape: [2, 3, 4] }],
    build: (g, [a]) => [g.logSoftmax(a!, -1), g.logSoftmax(a!, 0)],
  },

  // indexing: repeated indices must accumulate
  {
    name: 'gather-axis0',
    ops: ['gather'],
    inputs: [{ shape: [5, 3] }],
    aux: [i64([2, 3], [0, 4, 0, 2, 4, 4])],
    build: (g, [a], [ids]) => g.gather(a!, ids!),
  },
  {
    name: 'gather-axis1',
    ops: ['gather'],
    inputs: [{ shape: [2, 4, 3] }],
    aux: [i64([3], [3, 1, 3])],
    build: (g, [a], [ids]) => g.gather(a!, ids!, 1),
  },
  {
    name: 'gatherElements',
    ops: ['gatherElements'],
    inputs: [{ shape: [3, 4] }],
    aux: [i64([3, 2], [1, 1, 0, 3, 2, 0])],
    build: (g, [a], [ids]) => g.gatherElements(a!, ids!, -1),
  },
  {
    name: 'scatterElementsAdd',
    ops: ['scatterElementsAdd'],
    inputs: [{ shape: [3, 4] }, { shape: [3, 2] }],
    aux: [i64([3, 2], [1, 1, 0, 3, 2, 0])],
    build: (g, [a, u], [ids]) => g.scatterElementsAdd(a!, ids!, u!, 1),
  },
  {
    name: 'scatterNDAdd-data',
    ops: ['scatterNDAdd'],
    inputs: [{ shape: [4, 3] }],
    aux: [i64([2, 1], [1, 1])],
    build: (g, [a], [ids]) => g.scatterNDAdd(a!, ids!, g.constant([1, 2, 3, 4, 5, 6], 'float64', [2, 3])),
  },

  {
    name: 'softmaxCrossEntropy',
    ops: ['softmaxCrossEntropy'],
    inputs: [{ shape: [2, 3, 5] }],
    aux: [i64([2, 3], [4, 0, 4, 2, 2, 1])],
    build: (g, [a], [t]) => g.softmaxCrossEntropy(a!, t!),
  },

  // shapes
  { name: 'reshape', ops: ['reshape'], inputs: [{ shape: [2, 3, 4] }], build: (g, [a]) => g.reshape(a!, [4, -1]) },
  { name: 'transpose', ops: ['transpose'], inputs: [{ shape: [2, 3, 4] }], build: (g, [a]) => g.transpose(a!, [2, 0, 1]) },
  { name: 'concat', ops: ['concat'], inputs: [{ shape: [2, 1] }, { shape: [2, 3] }, { shape: [2, 2] }], build: (g, xs) => g.concat(xs, 1) },
  { name: 'concat-reused', ops: ['concat'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.concat([a!, g.neg(a!), a!], 0) },
  {
    name: 'slice',
    ops: ['slice'],
    inputs: [{ shape: [3, 6] }],
    build: (g, [a]) => [g.slice(a!, 1, 1, 4), g.slice(a!, -1, -2), g.slice(a!, 0, 0, -1), g.slice(a!, 1, 2, 100)],
  },
  { name: 'split-partial-use', ops: ['split'], inputs: [{ shape: [2, 7] }], build: (g, [a]) => g.split(a!, 1, [2, 4, 1]).slice(1, 2) },
  {
    name: 'squeeze-unsqueeze',
    ops: ['squeeze', 'unsqueeze'],
    inputs: [{ shape: [2, 1, 3] }],
    build: (g, [a]) => [g.squeeze(a!, 1), g.unsqueeze(a!, [0, -1])],
  },
  { name: 'expand', ops: ['expand'], inputs: [{ shape: [3, 1] }], build: (g, [a]) => g.expand(a!, [2, 3, 4]) },
  { name: 'pad', ops: ['pad'], inputs: [{ shape: [2, 3] }], build: (g, [a]) => g.pad(a!, [1, 0, 0, 2]) },
];

describe('VJP rules against finite differences (float64, ORT CPU)', () => {
  it('covers every op that has a VJP rule', () => {
    const withRule = (Object.keys(OPS) as OpName[]).filter((op) => opDef(op).vjp !== undefined);
    const tested = new Set(cases.flatMap((c) => c.ops));
    expect(withRule.filter((op) => !tested.has(op))).toEqual([]);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const r = await gradCheck(c);
      expect(Number.isFinite(r.f)).toBe(true);
    });
  }
});
