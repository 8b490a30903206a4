// Every vector-Jacobian rule of autodiff/registry.ts against central finite differences in float64 on ONNX
// Runtime CPU, with broadcasting on both sides of each binary op, repeated indices for the gathers, and a
// value with several consumers (gradient accumulation).
import { describe, it } from 'vitest';
import { attr } from '../../../../src/engine/graph/onnx/builder';
import { VJP_RULES } from '../../../../src/engine/graph/autodiff/registry';
import { checkGradients, type FdCase } from './fd';

const keep = (k: number) => ({ keepdims: attr.int(k) });
const cases: (FdCase & { rule: string })[] = [
  { rule: 'Add', name: 'Add [2,3,4] + [3,1]', inputs: [{ shape: [2, 3, 4] }, { shape: [3, 1] }], build: (b, [a, c]) => b.op('Add', [a!, c!]) },
  { rule: 'Add', name: 'Add [4] + [2,3,4]', inputs: [{ shape: [4] }, { shape: [2, 3, 4] }], build: (b, [a, c]) => b.op('Add', [a!, c!]) },
  { rule: 'Sub', name: 'Sub [2,3] - [1,3]', inputs: [{ shape: [2, 3] }, { shape: [1, 3] }], build: (b, [a, c]) => b.op('Sub', [a!, c!]) },
  { rule: 'Mul', name: 'Mul [2,1,4] * [3,1]', inputs: [{ shape: [2, 1, 4] }, { shape: [3, 1] }], build: (b, [a, c]) => b.op('Mul', [a!, c!]) },
  { rule: 'Div', name: 'Div [2,3] / [3]', inputs: [{ shape: [2, 3] }, { shape: [3], init: 'positive' }], build: (b, [a, c]) => b.op('Div', [a!, c!]) },
  { rule: 'Div', name: 'Div [1,3] / [2,1]', inputs: [{ shape: [1, 3] }, { shape: [2, 1], init: 'positive' }], build: (b, [a, c]) => b.op('Div', [a!, c!]) },
  { rule: 'Sum', name: 'Sum [2,3] [3] [2,1]', inputs: [{ shape: [2, 3] }, { shape: [3] }, { shape: [2, 1] }], build: (b, xs) => b.op('Sum', xs) },
  { rule: 'Pow', name: 'Pow x^2', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.op('Pow', [x!, b.float32Scalar(2)]) },
  { rule: 'Pow', name: 'Pow x^-0.5', inputs: [{ shape: [5], init: 'positive' }], build: (b, [x]) => b.op('Pow', [x!, b.float32Scalar(-0.5)]) },
  { rule: 'Neg', name: 'Neg', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.op('Neg', [x!]) },
  { rule: 'Sqrt', name: 'Sqrt', inputs: [{ shape: [2, 3], init: 'positive' }], build: (b, [x]) => b.op('Sqrt', [x!]) },
  { rule: 'Sigmoid', name: 'Sigmoid', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.op('Sigmoid', [x!]) },
  { rule: 'Exp', name: 'Exp', inputs: [{ shape: [4] }], build: (b, [x]) => b.op('Exp', [x!]) },
  { rule: 'Log', name: 'Log', inputs: [{ shape: [4], init: 'positive' }], build: (b, [x]) => b.op('Log', [x!]) },
  {
    rule: 'Where',
    name: 'Where mask [3,4] ? [4] : [3,1]',
    inputs: [{ shape: [4] }, { shape: [3, 1] }],
    build: (b, [a, c]) => b.op('Where', [b.op('Greater', [b.int64s([0, 1, 2, 3]), b.int64s([1, 2, 0], 'rows')].map((v, i) => (i === 1 ? b.op('Unsqueeze', [v, b.int64s([1])]) : v))), a!, c!]),
  },
  { rule: 'Identity', name: 'Identity', inputs: [{ shape: [3] }], build: (b, [x]) => b.op('Identity', [x!]) },
  { rule: 'Cast', name: 'Cast float -> float', inputs: [{ shape: [3] }], build: (b, [x]) => b.op('Cast', [x!], { to: attr.int(1) }) },
  { rule: 'MatMul', name: 'MatMul [2,3,4] @ [4,5] (shared weight)', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }], build: (b, [a, c]) => b.op('MatMul', [a!, c!]) },
  { rule: 'MatMul', name: 'MatMul [2,1,3,4] @ [2,4,2] (batch broadcast)', inputs: [{ shape: [2, 1, 3, 4] }, { shape: [2, 4, 2] }], build: (b, [a, c]) => b.op('MatMul', [a!, c!]) },
  { rule: 'MatMul', name: 'MatMul [3,4] @ [2,4,5]', inputs: [{ shape: [3, 4] }, { shape: [2, 4, 5] }], build: (b, [a, c]) => b.op('MatMul', [a!, c!]) },
  { rule: 'Softmax', name: 'Softmax axis -1', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('Softmax', [x!], { axis: attr.int(-1) }) },
  { rule: 'Softmax', name: 'Softmax axis 1', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('Softmax', [x!], { axis: attr.int(1) }) },
  { rule: 'LogSoftmax', name: 'LogSoftmax axis -1', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('LogSoftmax', [x!], { axis: attr.int(-1) }) },
  { rule: 'LogSoftmax', name: 'LogSoftmax axis 0', inputs: [{ shape: [3, 4] }], build: (b, [x]) => b.op('LogSoftmax', [x!], { axis: attr.int(0) }) },
  { rule: 'ReduceMean', name: 'ReduceMean [-1] keepdims', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('ReduceMean', [x!, b.int64s([-1])], keep(1)) },
  { rule: 'ReduceMean', name: 'ReduceMean [0,2] no keepdims', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('ReduceMean', [x!, b.int64s([0, 2])], keep(0)) },
  { rule: 'ReduceMean', name: 'ReduceMean all axes', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.op('ReduceMean', [x!], keep(0)) },
  { rule: 'ReduceSum', name: 'ReduceSum [1] no keepdims', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('ReduceSum', [x!, b.int64s([1])], keep(0)) },
  { rule: 'ReduceLogSumExp', name: 'ReduceLogSumExp [-1] keepdims', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('ReduceLogSumExp', [x!, b.int64s([-1])], keep(1)) },
  { rule: 'ReduceLogSumExp', name: 'ReduceLogSumExp [0] no keepdims', inputs: [{ shape: [3, 4] }], build: (b, [x]) => b.op('ReduceLogSumExp', [x!, b.int64s([0])], keep(0)) },
  { rule: 'Gather', name: 'Gather embedding, repeated ids (scatter)', inputs: [{ shape: [5, 3] }], build: (b, [t]) => b.op('Gather', [t!, b.int64s([1, 4, 1, 0, 1, 2])].map((v, i) => (i === 1 ? b.op('Reshape', [v, b.int64s([2, 3])]) : v)), { axis: attr.int(0) }) },
  { rule: 'Gather', name: 'Gather embedding, repeated ids (one-hot)', options: { embeddingGrad: 'onehot' }, inputs: [{ shape: [5, 3] }], build: (b, [t]) => b.op('Gather', [t!, b.int64s([1, 4, 1, 0, 1, 2])].map((v, i) => (i === 1 ? b.op('Reshape', [v, b.int64s([2, 3])]) : v)), { axis: attr.int(0) }) },
  {
    rule: 'GatherElements',
    name: 'GatherElements axis -1, repeated indices',
    inputs: [{ shape: [2, 3, 4] }],
    build: (b, [x]) => b.op('GatherElements', [x!, b.op('Reshape', [b.int64s([0, 3, 3, 1, 2, 0, 2, 2, 1, 0, 0, 3]), b.int64s([2, 3, 2])])], { axis: attr.int(-1) }),
  },
  { rule: 'Transpose', name: 'Transpose [0,2,1,3]', inputs: [{ shape: [2, 3, 4, 2] }], build: (b, [x]) => b.op('Transpose', [x!], { perm: attr.ints([0, 2, 1, 3]) }) },
  { rule: 'Transpose', name: 'Transpose [2,0,1]', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('Transpose', [x!], { perm: attr.ints([2, 0, 1]) }) },
  { rule: 'Reshape', name: 'Reshape with 0 and -1', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('Reshape', [x!, b.int64s([0, -1, 2])]) },
  { rule: 'Unsqueeze', name: 'Unsqueeze [1,-1]', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.op('Unsqueeze', [x!, b.int64s([1, -1])]) },
  { rule: 'Squeeze', name: 'Squeeze [1]', inputs: [{ shape: [2, 1, 3] }], build: (b, [x]) => b.op('Squeeze', [x!, b.int64s([1])]) },
  { rule: 'Expand', name: 'Expand [3,1] -> [2,3,4]', inputs: [{ shape: [3, 1] }], build: (b, [x]) => b.op('Expand', [x!, b.int64s([2, 3, 4])]) },
  { rule: 'Concat', name: 'Concat axis -1', inputs: [{ shape: [2, 3] }, { shape: [2, 2] }], build: (b, [a, c]) => b.op('Concat', [a!, c!], { axis: attr.int(-1) }) },
  {
    rule: 'Split',
    name: 'Split, both halves used (rotate_half)',
    inputs: [{ shape: [2, 4] }],
    build: (b, [x]) => {
      const [x1, x2] = b.opMulti('Split', [x!, b.int64s([2, 2])], 2, { axis: attr.int(-1) });
      return b.op('Concat', [b.op('Neg', [x2!]), x1!], { axis: attr.int(-1) });
    },
  },
  { rule: 'Split', name: 'Split, one output unused', inputs: [{ shape: [3, 4] }], build: (b, [x]) => b.opMulti('Split', [x!, b.int64s([1, 2])], 2, { axis: attr.int(0) })[1]! },
  { rule: 'Slice', name: 'Slice last position', inputs: [{ shape: [2, 3, 4] }], build: (b, [x]) => b.op('Slice', [x!, b.int64s([-1]), b.int64s([1e15]), b.int64s([1])]) },
  { rule: 'Slice', name: 'Slice two axes', inputs: [{ shape: [4, 5] }], build: (b, [x]) => b.op('Slice', [x!, b.int64s([1, 1]), b.int64s([3, -1]), b.int64s([0, 1])]) },
  { rule: 'Sum', name: 'several consumers: x*x + sigmoid(x) + x', inputs: [{ shape: [2, 3] }], build: (b, [x]) => b.op('Add', [b.op('Add', [b.op('Mul', [x!, x!]), b.op('Sigmoid', [x!])]), x!]) },
];

describe('VJP rules vs finite differences (float64, ORT CPU)', () => {
  it('every registered rule has a case', () => {
    const covered = new Set(cases.map((c) => c.rule));
    const missing = Object.keys(VJP_RULES).filter((op) => !covered.has(op));
    if (missing.length) throw new Error(`no finite-difference case for: ${missing.join(', ')}`);
  });
  for (const c of cases) it(c.name, () => checkGradients(c));
});
