// Emits backward nodes through a NodeBuilder while keeping every new value's static shape known, plus the
// one broadcasting helper every binary rule needs: sumTo(g, shape) = sum of g over the axes broadcast added.
import type { Initializer } from '../onnx/encode';
import { attr, type Attrs, type NodeBuilder } from '../onnx/builder';
import type { Shape, ShapeTable } from './shapes';

export class Emitter {
  constructor(
    readonly b: NodeBuilder,
    readonly shapes: ShapeTable,
  ) {}

  private registerNew(from: number): void {
    for (const init of this.b.initializers.slice(from)) this.shapes.addInitializer(init);
  }

  op(opType: string, inputs: readonly string[], attributes: Attrs = {}, hint = `d_${opType.toLowerCase()}`): string {
    const out = this.b.op(opType, inputs, attributes, hint);
    this.shapes.add(this.b.nodes[this.b.nodes.length - 1]!);
    return out;
  }

  opMulti(opType: string, inputs: readonly string[], outputs: number, attributes: Attrs = {}): string[] {
    const outs = this.b.opMulti(opType, inputs, outputs, attributes, `d_${opType.toLowerCase()}`);
    this.shapes.add(this.b.nodes[this.b.nodes.length - 1]!);
    return outs;
  }

  ints(values: readonly number[]): string {
    const n = this.b.initializers.length;
    const name = this.b.int64s(values, 'd_ints');
    this.registerNew(n);
    return name;
  }

  /** A float scalar constant (float32 here; precision.ts widens the whole graph for float64 checks). */
  scalar(value: number): string {
    const n = this.b.initializers.length;
    const name = this.b.float32Scalar(value, 'd_const');
    this.registerNew(n);
    return name;
  }

  floats(values: readonly number[], dims: readonly number[]): string {
    const n = this.b.initializers.length;
    const name = this.b.float32s(values, dims, 'd_const');
    this.registerNew(n);
    return name;
  }

  shape(name: string): Shape {
    return this.shapes.shape(name);
  }

  /** Zeros of a static shape: ConstantOfShape with an explicit float value (widened with the graph). */
  zeros(shape: Shape): string {
    const value: Initializer = { name: 'value', type: 'float32', dims: [1], data: new Uint8Array(4) };
    return this.op('ConstantOfShape', [this.ints(shape)], { value: { kind: 'tensor', value } }, 'd_zeros');
  }

  /** Sums g over the axes that broadcasting added or stretched, so the result has `target`'s shape. */
  sumTo(g: string, target: Shape): string {
    const shape = this.shape(g);
    if (shape.length === target.length && shape.every((d, i) => d === target[i])) return g;
    const lead = shape.length - target.length;
    const axes = shape.flatMap((d, i) => (i < lead || (target[i - lead] === 1 && d !== 1) ? [i] : []));
    const summed = axes.length ? this.op('ReduceSum', [g, this.ints(axes)], { keepdims: attr.int(1) }) : g;
    return this.reshape(summed, target);
  }

  reshape(g: string, target: Shape): string {
    const shape = this.shape(g);
    if (shape.length === target.length && shape.every((d, i) => d === target[i])) return g;
    return this.op('Reshape', [g, this.ints(target)]);
  }

  /** Swaps the last two axes: [..., M, K] -> [..., K, M]. */
  transposeLast(x: string): string {
    const r = this.shape(x).length;
    const perm = Array.from({ length: r }, (_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
    return this.op('Transpose', [x], { perm: attr.ints(perm) });
  }
}
