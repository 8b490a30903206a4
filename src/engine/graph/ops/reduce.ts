// Reductions, softmax / log-softmax and batched matmul, each with its VJP.
import { broadcastShapes, numel, showShape, type Dim } from '../dims';
import type { Graph, Node, Value } from '../ir';
import { graphError, type Emitter, type OpDef } from '../types';
import { expandBack, int, like, mT, normAxes, requireFloat, sameDim, sameDtype, sumTo } from './helpers';

export interface ReduceAttrs {
  axes: readonly number[];
  keepdims: boolean;
}

function reduceInfer([x]: readonly Value[], a: ReduceAttrs) {
  if (x!.dtype === 'bool') throw graphError('cannot reduce a bool tensor; cast it first.');
  const axes = normAxes(a.axes, x!.rank);
  const shape: Dim[] = [];
  x!.shape.forEach((d, i) => {
    if (!axes.includes(i)) shape.push(d);
    else if (a.keepdims) shape.push(1);
  });
  return like(x!, shape);
}

function reduceLower(opType: string) {
  return (e: Emitter, n: Node<ReduceAttrs>) => {
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    const axes = normAxes(n.attrs.axes, x.rank);
    if (axes.length === 0) e.node('Identity', [e.name(x)], [e.name(y)]);
    else e.node(opType, [e.name(x), e.ints(axes)], [e.name(y)], { keepdims: int(n.attrs.keepdims ? 1 : 0) });
  };
}

/** dy and y with the reduced axes kept (size 1), so they broadcast against x. */
function kept(g: Graph, n: Node<ReduceAttrs>, v: Value): Value {
  return n.attrs.keepdims ? v : g.unsqueeze(v, normAxes(n.attrs.axes, n.inputs[0]!.rank));
}

function reducedCount(g: Graph, x: Value, axes: readonly number[]): Value | number {
  const count = numel(axes.map((i) => x.shape[i] as Dim));
  return typeof count === 'number' ? count : g.size(count, x.dtype);
}

export const reduceOps = {
  reduceSum: {
    infer: reduceInfer,
    lower: reduceLower('ReduceSum'),
    vjp: (g, n, [dy]) => [expandBack(g, dy!, n.inputs[0]!, normAxes(n.attrs.axes, n.inputs[0]!.rank), n.attrs.keepdims)],
  } satisfies OpDef<ReduceAttrs>,
  reduceMean: {
    infer: reduceInfer,
    lower: reduceLower('ReduceMean'),
    vjp: (g, n, [dy]) => {
      const x = n.inputs[0]!;
      const axes = normAxes(n.attrs.axes, x.rank);
      const count = reducedCount(g, x, axes);
      const scaled = typeof count === 'number' ? g.mul(dy!, 1 / count) : g.div(dy!, count);
      return [expandBack(g, scaled, x, axes, n.attrs.keepdims)];
    },
  } satisfies OpDef<ReduceAttrs>,
  // The gradient goes to the maxima, split evenly between ties.
  reduceMax: {
    infer: reduceInfer,
    lower: reduceLower('ReduceMax'),
    vjp: (g, n, [dy]) => {
      const x = n.inputs[0]!;
      const axes = normAxes(n.attrs.axes, x.rank);
      const hit = g.cast(g.equal(x, kept(g, n, n.outputs[0]!)), x.dtype);
      return [g.mul(hit, g.div(kept(g, n, dy!), g.reduceSum(hit, axes, true)))];
    },
  } satisfies OpDef<ReduceAttrs>,
  // d lse / dx = softmax(x) = exp(x - lse)
  reduceLogSumExp: {
    infer: reduceInfer,
    lower: reduceLower('ReduceLogSumExp'),
    vjp: (g, n, [dy]) => {
      const x = n.inputs[0]!;
      return [g.mul(kept(g, n, dy!), g.exp(g.sub(x, kept(g, n, n.outputs[0]!))))];
    },
  },
  // dx = y * (dy - sum(dy * y))
  softmax: {
    infer: ([x]: readonly Value[]) => (requireFloat(x!), like(x!)),
    lower: (e, n) => e.node('Softmax', [e.name(n.inputs[0]!)], [e.name(n.outputs[0]!)], { axis: int(n.attrs.axis) }),
    vjp: (g, n, [dy]) => {
      const y = n.outputs[0]!;
      return [g.mul(y, g.sub(dy!, g.reduceSum(g.mul(dy!, y), n.attrs.axis, true)))];
    },
  } satisfies OpDef<{ axis: number }>,
  // dx = dy - softmax(x) * sum(dy)
  logSoftmax: {
    infer: ([x]: readonly Value[]) => (requireFloat(x!), like(x!)),
    lower: (e, n) => e.node('LogSoftmax', [e.name(n.inputs[0]!)], [e.name(n.outputs[0]!)], { axis: int(n.attrs.axis) }),
    vjp: (g, n, [dy]) => [g.sub(dy!, g.mul(g.exp(n.outputs[0]!), g.reduceSum(dy!, n.attrs.axis, true)))],
  } satisfies OpDef<{ axis: number }>,

  // [..., M, K] @ [..., K, N] -> [..., M, N]; dA = dY B^T, dB = A^T dY (summed over broadcast batch dims).
  matmul: {
    infer: ([a, b]: readonly Value[]) => {
      const dtype = sameDtype([a!, b!]);
      requireFloat(a!);
      if (a!.rank < 2 || b!.rank < 2)
        throw graphError(`both inputs need rank >= 2 (unsqueeze a vector first); got ${showShape(a!.shape)} and ${showShape(b!.shape)}.`);
      sameDim(a!.shape[a!.rank - 1]!, b!.shape[b!.rank - 2]!, `inner dims of ${showShape(a!.shape)} @ ${showShape(b!.shape)}`);
      const batch = broadcastShapes([a!.shape.slice(0, -2), b!.shape.slice(0, -2)]);
      return [{ dtype, shape: [...batch, a!.shape[a!.rank - 2]!, b!.shape[b!.rank - 1]!] }];
    },
    lower: (e, n) =>
      e.node(
        'MatMul',
        n.inputs.map((v) => e.name(v)),
        [e.name(n.outputs[0]!)],
      ),
    vjp: (g, n, [dy], needs) => {
      const [a, b] = n.inputs as [Value, Value];
      const da = needs[0] ? sumTo(g, g.matmul(dy!, mT(g, b)), a.shape) : undefined;
      let db: Value | undefined;
      if (needs[1]) {
        if (b.rank === 2 && a.rank > 2) {
          // A weight shared over the batch: one [K, B*T] @ [B*T, N] GEMM instead of a batched one and a sum.
          const K = a.shape[a.rank - 1]!;
          const N = b.shape[1]!;
          db = g.matmul(g.transpose(g.reshape(a, [-1, K])), g.reshape(dy!, [-1, N]));
        } else db = sumTo(g, g.matmul(mT(g, a), dy!), b.shape);
      }
      return [da, db];
    },
  },
} satisfies Record<string, OpDef>;
