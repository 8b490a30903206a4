// Shape ops (reshape, transpose, concat, slice, split, squeeze, unsqueeze, expand, pad), each with its VJP:
// the gradient of a pure data movement is the inverse movement (and a sum where data was copied).
import { broadcastShapes, dimAdd, dimDiv, dimEq, dimSub, normAxis, numel, showShape, type Dim } from '../dims';
import type { Value } from '../ir';
import { graphError, type OpDef } from '../types';
import { int, like, normAxes, onnx, sameDim, sameDtype, sumTo } from './helpers';

/** Past any axis length: Slice clamps it (int64 max itself is not a JS number). */
const TO_END = Number.MAX_SAFE_INTEGER;

export interface SliceAttrs {
  axis: number;
  start: Dim;
  end: Dim | null;
  step: number;
}

/** [start, end) of a slice along a dim of size d, normalised (negative from the end) and clamped where numeric. */
function sliceBounds(d: Dim, a: SliceAttrs): [Dim, Dim] {
  const norm = (i: Dim): Dim => {
    const n = typeof i === 'number' && i < 0 ? dimAdd(d, i) : i;
    return typeof n === 'number' && typeof d === 'number' ? Math.min(Math.max(n, 0), d) : n;
  };
  return [norm(a.start), a.end === null ? d : norm(a.end)];
}

export const shapeOps = {
  reshape: {
    infer: ([x], a: { shape: readonly Dim[] }) => {
      const free = a.shape.filter((d) => d === -1).length;
      if (free > 1) throw graphError(`target ${showShape(a.shape)} has more than one -1.`);
      for (const d of a.shape)
        if (typeof d === 'number' && d < 1 && d !== -1)
          throw graphError(`target ${showShape(a.shape)} has dim ${d}; dims are positive (or one -1).`);
      const total = numel(x!.shape);
      const known = numel(a.shape.filter((d) => d !== -1));
      if (free) {
        const rest = dimDiv(total, known);
        if (rest === undefined)
          throw graphError(
            `cannot infer -1 in ${showShape(a.shape)}: ${showShape(x!.shape)} has ${total} elements, not a multiple of ${known}.`,
          );
        return like(
          x!,
          a.shape.map((d) => (d === -1 ? rest : d)),
        );
      }
      if (!dimEq(total, known))
        throw graphError(`cannot reshape ${showShape(x!.shape)} (${total} elements) to ${showShape(a.shape)} (${known} elements).`);
      return like(x!, a.shape);
    },
    // Named dims become 0 (copy the input's dim at that index) or -1 where possible, so the shape stays a constant.
    lower: (e, n) => {
      const x = n.inputs[0]!;
      const spec: Dim[] = n.outputs[0]!.shape.map((d, i) => (typeof d === 'number' ? d : i < x.rank && dimEq(x.shape[i]!, d) ? 0 : d));
      const named = spec.findLastIndex((d) => typeof d === 'string');
      if (named >= 0) spec[named] = -1; // ONNX infers it; any others are read from input shapes at run time
      e.node('Reshape', [e.name(x), e.dims(spec)], [e.name(n.outputs[0]!)]);
    },
    vjp: (g, n, [dy]) => [g.reshape(dy!, n.inputs[0]!.shape)],
  } satisfies OpDef<{ shape: readonly Dim[] }>,

  transpose: {
    infer: ([x], a: { perm: readonly number[] }) => {
      const ok = a.perm.length === x!.rank && [...a.perm].sort((p, q) => p - q).every((p, i) => p === i);
      if (!ok) throw graphError(`perm [${a.perm.join(', ')}] is not a permutation of the ${x!.rank} axes.`);
      return like(
        x!,
        a.perm.map((p) => x!.shape[p]!),
      );
    },
    lower: onnx('Transpose', (n) => ({ perm: { kind: 'ints', value: n.attrs.perm } })),
    vjp: (g, n, [dy]) => {
      const inverse: number[] = [];
      n.attrs.perm.forEach((p, i) => (inverse[p] = i));
      return [g.transpose(dy!, inverse)];
    },
  } satisfies OpDef<{ perm: readonly number[] }>,

  concat: {
    infer: (xs, a: { axis: number }) => {
      const dtype = sameDtype(xs);
      const first = xs[0]!;
      const axis = normAxis(a.axis, first.rank);
      let size: Dim = 0;
      for (const x of xs) {
        if (x.rank !== first.rank) throw graphError(`inputs have different ranks (${xs.map((v) => showShape(v.shape)).join(', ')}).`);
        x.shape.forEach((d, i) => (i === axis ? (size = dimAdd(size, d)) : sameDim(first.shape[i]!, d, `dims at axis ${i}`)));
      }
      return [{ dtype, shape: first.shape.map((d, i) => (i === axis ? size : d)) }];
    },
    lower: onnx('Concat', (n) => ({ axis: int(normAxis(n.attrs.axis, n.inputs[0]!.rank)) })),
    vjp: (g, n, [dy], needs) => {
      if (n.inputs.length === 1) return [dy];
      const axis = normAxis(n.attrs.axis, dy!.rank);
      const parts = g.split(
        dy!,
        axis,
        n.inputs.map((x) => x.shape[axis]!),
      );
      return parts.map((p, i) => (needs[i] ? p : undefined));
    },
  } satisfies OpDef<{ axis: number }>,

  slice: {
    infer: ([x], a: SliceAttrs) => {
      const axis = normAxis(a.axis, x!.rank);
      const d = x!.shape[axis]!;
      if (!Number.isInteger(a.step) || a.step < 1) throw graphError(`step ${a.step} is not a positive integer.`);
      const [s, e] = sliceBounds(d, a);
      let len: Dim;
      if (typeof s === 'number' && typeof e === 'number') len = Math.max(0, Math.ceil((e - s) / a.step));
      else if (a.step === 1) len = dimSub(e, s);
      else throw graphError(`a step other than 1 needs numeric bounds (axis ${axis} is ${d}, slice ${a.start}:${a.end ?? ''}).`);
      return like(
        x!,
        x!.shape.map((v, i) => (i === axis ? len : v)),
      );
    },
    lower: (e, n) => {
      const a = n.attrs;
      const x = n.inputs[0]!;
      const inputs = [e.name(x), e.dims([a.start]), e.dims([a.end ?? TO_END]), e.ints([normAxis(a.axis, x.rank)]), e.ints([a.step])];
      e.node('Slice', inputs, [e.name(n.outputs[0]!)]);
    },
    // The gradient is dy zero-padded back to the input's extent.
    vjp: (g, n, [dy]) => {
      const x = n.inputs[0]!;
      const axis = normAxis(n.attrs.axis, x.rank);
      if (n.attrs.step !== 1) throw graphError(`slice: no gradient for step ${n.attrs.step} (only step 1).`);
      const [s, e] = sliceBounds(x.shape[axis]!, n.attrs);
      const pads: Dim[] = new Array(2 * x.rank).fill(0);
      pads[axis] = s;
      pads[x.rank + axis] = dimSub(x.shape[axis]!, e);
      return [g.pad(dy!, pads)];
    },
  } satisfies OpDef<SliceAttrs>,

  split: {
    infer: ([x], a: { axis: number; sizes: readonly Dim[] }) => {
      const axis = normAxis(a.axis, x!.rank);
      const total = a.sizes.reduce<Dim>((s, d) => dimAdd(s, d), 0);
      sameDim(total, x!.shape[axis]!, `split sizes [${a.sizes.join(', ')}] sum and axis ${axis}`);
      return a.sizes.map((size) => ({ dtype: x!.dtype, shape: x!.shape.map((d, i) => (i === axis ? size : d)) }));
    },
    lower: (e, n) => {
      const axis = normAxis(n.attrs.axis, n.inputs[0]!.rank);
      e.node(
        'Split',
        [e.name(n.inputs[0]!), e.dims(n.attrs.sizes)],
        n.outputs.map((v) => e.name(v)),
        { axis: int(axis) },
      );
    },
    vjp: (g, n, dys) => [
      g.concat(
        n.outputs.map((y, i) => dys[i] ?? g.zeros(y.shape, y.dtype)),
        n.attrs.axis,
      ),
    ],
  } satisfies OpDef<{ axis: number; sizes: readonly Dim[] }>,

  unsqueeze: {
    infer: ([x], a: { axes: readonly number[] }) => {
      const axes = normAxes(a.axes, x!.rank + a.axes.length);
      const rest = [...x!.shape];
      return like(
        x!,
        Array.from({ length: x!.rank + axes.length }, (_, i) => (axes.includes(i) ? 1 : rest.shift()!)),
      );
    },
    lower: (e, n) =>
      e.node('Unsqueeze', [e.name(n.inputs[0]!), e.ints(normAxes(n.attrs.axes, n.outputs[0]!.rank))], [e.name(n.outputs[0]!)]),
    vjp: (g, n, [dy]) => [g.squeeze(dy!, normAxes(n.attrs.axes, n.outputs[0]!.rank))],
  } satisfies OpDef<{ axes: readonly number[] }>,

  squeeze: {
    infer: ([x], a: { axes: readonly number[] }) => {
      const axes = normAxes(a.axes, x!.rank);
      for (const i of axes) if (x!.shape[i] !== 1) throw graphError(`axis ${i} has size ${x!.shape[i]}, not 1.`);
      return like(
        x!,
        x!.shape.filter((_, i) => !axes.includes(i)),
      );
    },
    lower: (e, n) => e.node('Squeeze', [e.name(n.inputs[0]!), e.ints(normAxes(n.attrs.axes, n.inputs[0]!.rank))], [e.name(n.outputs[0]!)]),
    vjp: (g, n, [dy]) => [g.unsqueeze(dy!, normAxes(n.attrs.axes, n.inputs[0]!.rank))],
  } satisfies OpDef<{ axes: readonly number[] }>,

  expand: {
    infer: ([x], a: { shape: readonly Dim[] }) => like(x!, broadcastShapes([x!.shape, a.shape])),
    // Where the input already has the target dim, the shape says 1 (keep it): fewer run-time dims to compute.
    lower: (e, n) => {
      const x = n.inputs[0]!;
      const out = n.outputs[0]!.shape;
      const spec = out.map((d, i) => {
        const xd = x.shape[i - (out.length - x.rank)];
        return typeof d !== 'number' && xd !== undefined && dimEq(xd, d) ? 1 : d;
      });
      e.node('Expand', [e.name(x), e.dims(spec)], [e.name(n.outputs[0]!)]);
    },
    vjp: (g, n, [dy]) => [sumTo(g, dy!, n.inputs[0]!.shape)],
  } satisfies OpDef<{ shape: readonly Dim[] }>,

  /** Zero padding: pads = [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}]. */
  pad: {
    infer: ([x], a: { pads: readonly Dim[] }) => {
      if (a.pads.length !== 2 * x!.rank) throw graphError(`pads has ${a.pads.length} entries; rank ${x!.rank} needs ${2 * x!.rank}.`);
      for (const p of a.pads)
        if (typeof p === 'number' && p < 0) throw graphError(`pads [${a.pads.join(', ')}] has a negative entry (use slice).`);
      return like(
        x!,
        x!.shape.map((d, i) => dimAdd(dimAdd(d, a.pads[i]!), a.pads[x!.rank + i]!)),
      );
    },
    lower: (e, n) => e.node('Pad', [e.name(n.inputs[0]!), e.dims(n.attrs.pads)], [e.name(n.outputs[0]!)]),
    vjp: (g, n, [dy]) => {
      const x = n.inputs[0]!;
      let d: Value = dy!;
      x.shape.forEach((size, i) => {
        const before = n.attrs.pads[i]!;
        if (before !== 0 || n.attrs.pads[x.rank + i] !== 0) d = g.slice(d, i, before, dimAdd(before, size));
      });
      return [d];
    },
  } satisfies OpDef<{ pads: readonly Dim[] }>,
} satisfies Record<string, OpDef>;
