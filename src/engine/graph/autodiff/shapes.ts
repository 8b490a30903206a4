// Static shape inference over ONNX nodes (numpy broadcasting, ONNX attribute semantics), plus the int64
// constants (axes, shapes, split sizes) and float scalars (Pow exponents) the gradient rules read.
// Every dimension is a number: the train graph has a fixed B and T, so nothing here is symbolic.
import type { Initializer, OnnxNode, ValueInfo } from '../onnx/encode';

export type Shape = readonly number[];

function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes?.[name];
  return a?.kind === 'int' ? a.value : fallback;
}

function attrInts(node: OnnxNode, name: string): readonly number[] | undefined {
  const a = node.attributes?.[name];
  return a?.kind === 'ints' ? a.value : undefined;
}

/** numpy broadcasting: align right, a 1 stretches, anything else must match. */
export function broadcast(...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = s[s.length - rank + i] ?? 1;
      if (k !== 1 && d !== 1 && k !== d) throw new Error(`cannot broadcast shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' ')}`);
      if (k !== 1) d = k;
    }
    out.push(d);
  }
  return out;
}

const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
const UNARY = new Set(['Neg', 'Sqrt', 'Sigmoid', 'Exp', 'Log', 'Cos', 'Sin', 'Cast', 'Identity', 'Softmax', 'LogSoftmax', 'Relu', 'Tanh', 'Reciprocal', 'Abs', 'Not']);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Greater', 'Less', 'Equal', 'Where', 'Sum', 'Max', 'Min', 'And', 'Or']);

/** Shapes and constant values of the values of one graph, extended node by node. */
export class ShapeTable {
  private readonly shapes = new Map<string, Shape>();
  private readonly ints = new Map<string, number[]>();
  private readonly floats = new Map<string, number[]>();

  constructor(inputs: readonly ValueInfo[], initializers: readonly Initializer[]) {
    for (const v of inputs) {
      if (!v.shape.every((d) => typeof d === 'number')) throw new Error(`input ${v.name} has a symbolic shape [${v.shape.join(',')}]; autodiff needs static shapes`);
      this.shapes.set(v.name, v.shape as number[]);
    }
    for (const i of initializers) this.addInitializer(i);
  }

  addInitializer(i: Initializer): void {
    this.shapes.set(i.name, i.dims);
    if (!(i.data instanceof Uint8Array)) return;
    const bytes = i.data;
    if (i.type === 'int64') this.ints.set(i.name, Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), Number));
    if (i.type === 'float32' && bytes.byteLength <= 64) this.floats.set(i.name, Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))));
  }

  has(name: string): boolean {
    return this.shapes.has(name);
  }

  shape(name: string): Shape {
    const s = this.shapes.get(name);
    if (!s) throw new Error(`autodiff: no static shape for value "${name}"`);
    return s;
  }

  /** The values of an int64 constant (axes, shapes, sizes). */
  intValues(name: string): number[] {
    const v = this.ints.get(name);
    if (!v) throw new Error(`autodiff: "${name}" must be an int64 constant (static axes/shape)`);
    return v;
  }

  floatScalar(name: string): number | undefined {
    const v = this.floats.get(name);
    return v?.length === 1 ? v[0] : undefined;
  }

  /** Infers the output shapes of one node from its inputs' shapes. */
  add(node: OnnxNode): void {
    const op = node.opType;
    const inShape = (i: number): Shape => this.shape(node.inputs[i] as string);
    const set = (i: number, s: Shape): void => void this.shapes.set(node.outputs[i] as string, s);
    const x = node.inputs[0] ? inShape(0) : [];
    if (UNARY.has(op)) return set(0, x);
    if (BROADCAST.has(op)) return set(0, broadcast(...node.inputs.map((_, i) => inShape(i))));
    switch (op) {
      case 'MatMul': {
        const a = x;
        const b = inShape(1);
        if (a.length < 2 || b.length < 2) throw new Error(`MatMul ${node.name}: 1-D operands are not supported`);
        return set(0, [...broadcast(a.slice(0, -2), b.slice(0, -2)), a[a.length - 2] as number, b[b.length - 1] as number]);
      }
      case 'ReduceMean':
      case 'ReduceSum':
      case 'ReduceMax':
      case 'ReduceLogSumExp': {
        const axes = node.inputs[1] ? this.intValues(node.inputs[1]).map((a) => norm(a, x.length)) : x.map((_, i) => i);
        const keep = attrInt(node, 'keepdims', 1) === 1;
        return set(0, keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i)));
      }
      case 'Gather': {
        const axis = norm(attrInt(node, 'axis', 0), x.length);
        return set(0, [...x.slice(0, axis), ...inShape(1), ...x.slice(axis + 1)]);
      }
      case 'GatherElements':
        return set(0, inShape(1));
      case 'ScatterND':
      case 'ScatterElements':
        return set(0, x);
      case 'Transpose': {
        const perm = attrInts(node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
        return set(0, perm.map((p) => x[p] as number));
      }
      case 'Reshape': {
        const target = this.intValues(node.inputs[1] as string).map((d, i) => (d === 0 ? (x[i] as number) : d));
        const known = target.reduce((n, d) => (d === -1 ? n : n * d), 1);
        const total = x.reduce((n, d) => n * d, 1);
        return set(0, target.map((d) => (d === -1 ? total / known : d)));
      }
      case 'Unsqueeze': {
        const axes = this.intValues(node.inputs[1] as string);
        const rank = x.length + axes.length;
        const sorted = axes.map((a) => norm(a, rank)).sort((p, q) => p - q);
        const out = [...x];
        for (const a of sorted) out.splice(a, 0, 1);
        return set(0, out);
      }
      case 'Squeeze': {
        const axes = node.inputs[1] ? this.intValues(node.inputs[1]).map((a) => norm(a, x.length)) : x.flatMap((d, i) => (d === 1 ? [i] : []));
        return set(0, x.filter((_, i) => !axes.includes(i)));
      }
      case 'Concat': {
        const axis = norm(attrInt(node, 'axis', 0), x.length);
        const out = [...x];
        out[axis] = node.inputs.reduce((n, _, i) => n + (inShape(i)[axis] as number), 0);
        return set(0, out);
      }
      case 'Split': {
        const axis = norm(attrInt(node, 'axis', 0), x.length);
        const n = node.outputs.length;
        const sizes = node.inputs[1] ? this.intValues(node.inputs[1]) : Array.from({ length: n }, () => (x[axis] as number) / n);
        sizes.forEach((size, i) => set(i, x.map((d, j) => (j === axis ? size : d))));
        return;
      }
      case 'Slice': {
        const starts = this.intValues(node.inputs[1] as string);
        const ends = this.intValues(node.inputs[2] as string);
        const axes = node.inputs[3] ? this.intValues(node.inputs[3]) : starts.map((_, i) => i);
        const out = [...x];
        axes.forEach((a, i) => {
          const ax = norm(a, x.length);
          const d = x[ax] as number;
          const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
          out[ax] = Math.max(clamp(ends[i] as number) - clamp(starts[i] as number), 0);
        });
        if (node.inputs[4] && this.intValues(node.inputs[4]).some((s) => s !== 1)) throw new Error(`Slice ${node.name}: only step 1 is supported`);
        return set(0, out);
      }
      case 'Expand':
        return set(0, broadcast(x, this.intValues(node.inputs[1] as string)));
      case 'ConstantOfShape':
        return set(0, this.intValues(node.inputs[0] as string));
      case 'Pad': {
        const pads = this.intValues(node.inputs[1] as string);
        return set(0, x.map((d, i) => d + (pads[i] as number) + (pads[i + x.length] as number)));
      }
      case 'OneHot': {
        const idx = x;
        const depth = this.intValues(node.inputs[1] as string)[0] as number;
        const axis = attrInt(node, 'axis', -1);
        const out = [...idx];
        out.splice(axis < 0 ? axis + idx.length + 1 : axis, 0, depth);
        return set(0, out);
      }
      case 'Shape':
        return set(0, [x.length]);
      default:
        throw new Error(`autodiff: no shape rule for op ${op} (node ${node.name ?? node.outputs[0]})`);
    }
  }
}
