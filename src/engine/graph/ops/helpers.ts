// Small pieces the op definitions share: one-node lowerings, dtype checks, and the broadcast-undo
// (sum over broadcast axes) every elementwise VJP ends with.
import { dimEq, normAxis, showShape, type Dim, type Shape } from '../dims';
import type { Graph, Node, Value } from '../ir';
import type { AttributeValue } from '../onnx/encode';
import { graphError, isFloat, type Emitter, type OpDef, type TypeInfo } from '../types';

type Attrs = Readonly<Record<string, AttributeValue>>;

/** Lowers an IR node to one ONNX node with the same inputs and outputs. */
export function onnx<A>(opType: string, attrs?: (node: Node<A>) => Attrs): OpDef<A>['lower'] {
  return (e: Emitter, n: Node<A>) =>
    e.node(
      opType,
      n.inputs.map((v) => e.name(v)),
      n.outputs.map((v) => e.name(v)),
      attrs?.(n),
    );
}

export const int = (value: number): AttributeValue => ({ kind: 'int', value });
export const ints = (value: readonly number[]): AttributeValue => ({ kind: 'ints', value });
export const str = (value: string): AttributeValue => ({ kind: 'string', value });

export function requireFloat(...xs: readonly Value[]): void {
  for (const x of xs) if (!isFloat(x.dtype)) throw graphError(`needs a floating-point input, got ${x.dtype}.`);
}

export function sameDtype(xs: readonly Value[]): Value['dtype'] {
  const t = xs[0]?.dtype;
  if (t === undefined) throw graphError('needs at least one input.');
  for (const x of xs)
    if (x.dtype !== t) throw graphError(`input dtypes differ (${xs.map((v) => v.dtype).join(', ')}); cast one of them first.`);
  return t;
}

export function requireIndices(x: Value): void {
  if (x.dtype !== 'int64' && x.dtype !== 'int32') throw graphError(`indices must be int64 or int32, got ${x.dtype}.`);
}

export const like = (x: Value, shape: Shape = x.shape): TypeInfo[] => [{ dtype: x.dtype, shape }];

/** Sorted, unique, non-negative axes. */
export function normAxes(axes: readonly number[], rank: number): number[] {
  const out = [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
  if (out.length !== axes.length) throw graphError(`axes [${axes.join(', ')}] repeat an axis.`);
  return out;
}

/** Undoes broadcasting in a gradient: sums dy over the axes where `shape` was 1 or absent. */
export function sumTo(g: Graph, dy: Value, shape: readonly Dim[]): Value {
  const lead = dy.rank - shape.length;
  if (lead < 0) throw graphError(`sumTo: gradient ${showShape(dy.shape)} has lower rank than ${showShape(shape)}.`);
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && dy.shape[i] !== 1) axes.push(i);
  }
  if (axes.length === 0) return dy;
  const r = g.reduceSum(dy, axes, true);
  return lead > 0 ? g.squeeze(r, axes.slice(0, lead)) : r;
}

/** dy of a reduction back to the input's shape: unsqueezed (if keepdims was off) and broadcast. */
export function expandBack(g: Graph, dy: Value, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const kept = keepdims ? dy : g.unsqueeze(dy, axes);
  return g.expand(kept, x.shape);
}

/** Transposes the last two axes. */
export function mT(g: Graph, x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return g.transpose(x, perm);
}

/** Checks two dims are equal or throws with a message naming what they are. */
export function sameDim(a: Dim, b: Dim, what: string): void {
  if (!dimEq(a, b)) throw graphError(`${what} differ (${a} vs ${b}).`);
}
