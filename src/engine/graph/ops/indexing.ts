// Indexing (gather, gatherElements, their scatter-add adjoints) and generated tensors (arange, full,
// size). The VJP of a gather is a scatter-add of dy into zeros shaped like the table.
import { dimEq, dimSub, normAxis, showShape, type Dim } from '../dims';
import type { Graph, Value } from '../ir';
import { OnnxType } from '../onnx/encode';
import { graphError, toBytes, type DType, type OpDef } from '../types';
import { int, like, onnx, requireIndices, sameDtype, str } from './helpers';

/**
 * Scatter-add of a gather's dy (shape data[:axis] + indices + data[axis+1:]) into zeros like data.
 * ScatterND (reduction add) over a one-hot MatMul: on ORT CPU, for V=49152, C=576, 2048 ids, ScatterND
 * takes ~100 ms, about one pass over the [V, C] table (the cost of zeros + one Add), the one-hot MatMul
 * ~2000 ms; ScatterElements with expanded indices ~120 ms.
 */
function gatherGrad(g: Graph, data: Value, indices: Value, dy: Value, axis: number): Value {
  const ri = indices.rank;
  const ids = g.unsqueeze(g.cast(indices, 'int64'), -1); // [...I, 1]: ScatterND index tuples into axis 0
  if (axis === 0) return g.scatterNDAdd(g.zeros(data.shape, data.dtype), ids, dy);
  // Move the indexed axis to the front, scatter there, move it back.
  const lead = Array.from({ length: axis }, (_, i) => i);
  const block = Array.from({ length: ri }, (_, i) => axis + i);
  const tail = Array.from({ length: dy.rank - axis - ri }, (_, i) => axis + ri + i);
  const dyFront = g.transpose(dy, [...block, ...lead, ...tail]); // [...I, data[:axis], data[axis+1:]]
  const front = [data.shape[axis]!, ...data.shape.filter((_, i) => i !== axis)];
  const scattered = g.scatterNDAdd(g.zeros(front, data.dtype), ids, dyFront);
  const back = Array.from({ length: data.rank }, (_, i) => (i < axis ? i + 1 : i === axis ? 0 : i));
  return g.transpose(scattered, back);
}

export interface AxisAttrs {
  axis: number;
}

export const indexingOps = {
  gather: {
    infer: ([data, indices], a: AxisAttrs) => {
      requireIndices(indices!);
      const axis = normAxis(a.axis, data!.rank);
      return like(data!, [...data!.shape.slice(0, axis), ...indices!.shape, ...data!.shape.slice(axis + 1)]);
    },
    lower: onnx('Gather', (n) => ({ axis: int(normAxis(n.attrs.axis, n.inputs[0]!.rank)) })),
    vjp: (g, n, [dy]) => {
      const [data, indices] = n.inputs as [Value, Value];
      return [gatherGrad(g, data, indices, dy!, normAxis(n.attrs.axis, data.rank)), undefined];
    },
  } satisfies OpDef<AxisAttrs>,

  gatherElements: {
    infer: ([data, indices], a: AxisAttrs) => {
      requireIndices(indices!);
      if (data!.rank !== indices!.rank)
        throw graphError(`data ${showShape(data!.shape)} and indices ${showShape(indices!.shape)} need the same rank.`);
      normAxis(a.axis, data!.rank);
      return like(data!, indices!.shape);
    },
    lower: onnx('GatherElements', (n) => ({ axis: int(normAxis(n.attrs.axis, n.inputs[0]!.rank)) })),
    vjp: (g, n, [dy]) => {
      const [data, indices] = n.inputs as [Value, Value];
      return [g.scatterElementsAdd(g.zeros(data.shape, data.dtype), indices, dy!, n.attrs.axis), undefined];
    },
  } satisfies OpDef<AxisAttrs>,

  /** data + updates at index tuples: indices [..., k] address data's first k axes. */
  scatterNDAdd: {
    infer: ([data, indices, updates]) => {
      requireIndices(indices!);
      sameDtype([data!, updates!]);
      const k = indices!.shape[indices!.rank - 1];
      if (typeof k !== 'number' || k > data!.rank)
        throw graphError(`the last dim of indices ${showShape(indices!.shape)} must be a number <= rank ${data!.rank}.`);
      const want = [...indices!.shape.slice(0, -1), ...data!.shape.slice(k)];
      if (want.length !== updates!.rank || !want.every((d, i) => dimEq(d, updates!.shape[i]!)))
        throw graphError(`updates ${showShape(updates!.shape)} should be ${showShape(want)}.`);
      return like(data!);
    },
    lower: onnx('ScatterND', () => ({ reduction: str('add') })),
    // d/d data = dy; d/d updates = dy at the same tuples (a GatherND, not in the IR yet).
    vjp: (_g, _n, [dy], needs) => {
      if (needs[2]) throw graphError('scatterNDAdd: no gradient for updates yet.');
      return [dy, undefined, undefined];
    },
  } satisfies OpDef,

  scatterElementsAdd: {
    infer: ([data, indices, updates], a: AxisAttrs) => {
      requireIndices(indices!);
      sameDtype([data!, updates!]);
      normAxis(a.axis, data!.rank);
      if (indices!.rank !== data!.rank || !indices!.shape.every((d, i) => dimEq(d, updates!.shape[i]!))) {
        throw graphError(
          `indices ${showShape(indices!.shape)} and updates ${showShape(updates!.shape)} need one shape, of data's rank ${data!.rank}.`,
        );
      }
      return like(data!);
    },
    lower: onnx('ScatterElements', (n) => ({ axis: int(normAxis(n.attrs.axis, n.inputs[0]!.rank)), reduction: str('add') })),
    vjp: (g, n, [dy]) => [dy, undefined, g.gatherElements(dy!, n.inputs[1]!, n.attrs.axis)],
  } satisfies OpDef<AxisAttrs>,

  arange: {
    infer: (_xs, a: { start: Dim; end: Dim; dtype: DType }) => [{ dtype: a.dtype, shape: [dimSub(a.end, a.start)] }],
    lower: (e, n) => {
      const { start, end, dtype } = n.attrs;
      const y = e.name(n.outputs[0]!);
      const range = dtype === 'int64' ? y : e.tmp('range');
      e.node('Range', [e.dimScalar(start), e.dimScalar(end), e.scalar(1, 'int64')], [range]);
      if (range !== y) e.node('Cast', [range], [y], { to: int(OnnxType[dtype]) });
    },
  } satisfies OpDef<{ start: Dim; end: Dim; dtype: DType }>,

  full: {
    infer: (_xs, a: { shape: readonly Dim[]; value: number; dtype: DType }) => [{ dtype: a.dtype, shape: a.shape }],
    lower: (e, n) => {
      const { shape, value, dtype } = n.attrs;
      const tensor = { name: 'value', type: dtype, dims: [1], data: toBytes([value], dtype) } as const;
      e.node('ConstantOfShape', [e.dims(shape)], [e.name(n.outputs[0]!)], { value: { kind: 'tensor', value: tensor } });
    },
  } satisfies OpDef<{ shape: readonly Dim[]; value: number; dtype: DType }>,

  /** The run-time value of a named dim, as a scalar. */
  size: {
    infer: (_xs, a: { dim: Dim; dtype: DType }) => [{ dtype: a.dtype, shape: [] }],
    lower: (e, n) => e.node('Cast', [e.dimScalar(n.attrs.dim)], [e.name(n.outputs[0]!)], { to: int(OnnxType[n.attrs.dtype]) }),
  } satisfies OpDef<{ dim: Dim; dtype: DType }>,
} satisfies Record<string, OpDef>;
