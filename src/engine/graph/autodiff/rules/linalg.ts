// Vector-Jacobian rules of MatMul, the reductions and Softmax.
//   MatMul  y = a @ b (batched, broadcast):  da = gy @ b^T,  db = a^T @ gy, each summed to its input's shape
//   ReduceSum/Mean over axes A:              dx = expand(gy) (/ N for the mean)
//   ReduceLogSumExp y = log sum exp x:       dx = gy * exp(x - y)
//   Softmax y over an axis:                  dx = y * (gy - sum(gy * y, axis))
//   LogSoftmax y = x - logsumexp(x):          dx = gy - exp(y) * sum(gy, axis)
import { attr } from '../../onnx/builder';
import type { OnnxNode } from '../../onnx/encode';
import type { Emitter } from '../emitter';
import type { VjpRule } from '../registry';

/** The reduced axes of a Reduce* node, normalised. */
function reducedAxes(e: Emitter, node: OnnxNode): number[] {
  const rank = e.shape(node.inputs[0]!).length;
  const axes = node.inputs[1] ? e.shapes.intValues(node.inputs[1]) : Array.from({ length: rank }, (_, i) => i);
  return axes.map((a) => (a < 0 ? a + rank : a));
}

/** gy with the reduced axes restored as size 1 (a no-op when keepdims = 1). */
function keptDims(e: Emitter, node: OnnxNode, g: string): string {
  const x = e.shape(node.inputs[0]!);
  const axes = reducedAxes(e, node);
  return e.reshape(g, x.map((d, i) => (axes.includes(i) ? 1 : d)));
}

const expandTo = (e: Emitter, g: string, shape: readonly number[]): string => e.op('Expand', [g, e.ints(shape)]);

export const linalgRules: Record<string, VjpRule> = {
  MatMul: ({ e, node, gy, wants }) => {
    const [a, b] = node.inputs as [string, string];
    const g = gy[0]!;
    const sa = e.shape(a);
    const sb = e.shape(b);
    const da = wants[0] ? e.sumTo(e.op('MatMul', [g, e.transposeLast(b)]), sa) : undefined;
    let db: string | undefined;
    if (wants[1] && sb.length === 2 && sa.length > 2) {
      // A weight shared over the batch: fold the batch into rows, one [K, N] product instead of B of them.
      const K = sa[sa.length - 1]!;
      const N = sb[1]!;
      const rows = sa.reduce((n, v) => n * v, 1) / K; // B * T
      db = e.op('MatMul', [e.transposeLast(e.reshape(a, [rows, K])), e.reshape(g, [rows, N])]); // [K, N]
    } else if (wants[1]) {
      db = e.sumTo(e.op('MatMul', [e.transposeLast(a), g]), sb);
    }
    return [da, db];
  },
  ReduceSum: ({ e, node, gy }) => [expandTo(e, keptDims(e, node, gy[0]!), e.shape(node.inputs[0]!))],
  ReduceMean: ({ e, node, gy }) => {
    const x = e.shape(node.inputs[0]!);
    const n = reducedAxes(e, node).reduce((p, a) => p * x[a]!, 1);
    return [expandTo(e, e.op('Mul', [keptDims(e, node, gy[0]!), e.scalar(1 / n)]), x)];
  },
  ReduceLogSumExp: ({ e, node, gy }) => {
    const x = node.inputs[0]!;
    const p = e.op('Exp', [e.op('Sub', [x, keptDims(e, node, node.outputs[0]!)])]); // softmax of x over the axes
    return [e.op('Mul', [p, keptDims(e, node, gy[0]!)])];
  },
  Softmax: ({ e, node, gy }) => {
    const y = node.outputs[0]!;
    const a = node.attributes?.axis;
    const axis = a?.kind === 'int' ? a.value : -1;
    const dot = e.op('ReduceSum', [e.op('Mul', [gy[0]!, y]), e.ints([axis])], { keepdims: attr.int(1) });
    return [e.op('Mul', [y, e.op('Sub', [gy[0]!, dot])])];
  },
  LogSoftmax: ({ e, node, gy }) => {
    const a = node.attributes?.axis;
    const total = e.op('ReduceSum', [gy[0]!, e.ints([a?.kind === 'int' ? a.value : -1])], { keepdims: attr.int(1) });
    return [e.op('Sub', [gy[0]!, e.op('Mul', [e.op('Exp', [node.outputs[0]!]), total])])];
  },
};
