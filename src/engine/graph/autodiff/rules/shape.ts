// Vector-Jacobian rules of the ops that only move values: the gradient moves back the same way.
//   Reshape/Unsqueeze/Squeeze: dx = reshape(gy, shape(x))     Expand: dx = sumTo(gy, shape(x))
//   Transpose(perm): dx = transpose(gy, perm^-1)               Concat: dx_i = split(gy)_i
//   Split: dx = concat(gy_i, zeros where an output got none)   Slice: dx = pad(gy with zeros)
import { attr } from '../../onnx/builder';
import type { VjpRule } from '../registry';

const reshapeBack: VjpRule = ({ e, node, gy }) => [e.reshape(gy[0]!, e.shape(node.inputs[0]!))];

function axisOf(attrs: Readonly<Record<string, { kind: string; value: unknown }>> | undefined, rank: number): number {
  const a = attrs?.axis;
  const axis = a?.kind === 'int' ? (a.value as number) : 0;
  return axis < 0 ? axis + rank : axis;
}

export const shapeRules: Record<string, VjpRule> = {
  Reshape: reshapeBack,
  Unsqueeze: reshapeBack,
  Squeeze: reshapeBack,
  Expand: ({ e, node, gy }) => [e.sumTo(gy[0]!, e.shape(node.inputs[0]!))],
  Transpose: ({ e, node, gy }) => {
    const rank = e.shape(node.inputs[0]!).length;
    const p = node.attributes?.perm;
    const perm = p?.kind === 'ints' ? p.value : Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [e.op('Transpose', [gy[0]!], { perm: attr.ints(inverse) })];
  },
  Concat: ({ e, node, gy, wants }) => {
    const rank = e.shape(node.inputs[0]!).length;
    const axis = axisOf(node.attributes, rank);
    const sizes = node.inputs.map((x) => e.shape(x)[axis]!);
    const parts = e.opMulti('Split', [gy[0]!, e.ints(sizes)], sizes.length, { axis: attr.int(axis) });
    return parts.map((g, i) => (wants[i] ? g : undefined));
  },
  Split: ({ e, node, gy }) => {
    const rank = e.shape(node.inputs[0]!).length;
    const axis = axisOf(node.attributes, rank);
    const parts = node.outputs.map((y, i) => gy[i] ?? e.zeros(e.shape(y)));
    return [e.op('Concat', parts, { axis: attr.int(axis) })];
  },
  Slice: ({ e, node, gy }) => {
    const x = e.shape(node.inputs[0]!);
    const starts = e.shapes.intValues(node.inputs[1]!);
    const ends = e.shapes.intValues(node.inputs[2]!);
    const axes = node.inputs[3] ? e.shapes.intValues(node.inputs[3]) : starts.map((_, i) => i);
    const pads = new Array<number>(2 * x.length).fill(0);
    axes.forEach((a, i) => {
      const ax = a < 0 ? a + x.length : a;
      const d = x[ax]!;
      const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      const begin = clamp(starts[i]!);
      pads[ax] = begin;
      pads[ax + x.length] = d - Math.max(clamp(ends[i]!), begin);
    });
    return [e.op('Pad', [gy[0]!, e.ints(pads)])];
  },
};
