// A thin helper for emitting ONNX nodes by hand: unique value names, constants, and the node list that
// encode.ts serialises. Shapes are ONNX's to infer at load time.
import type { AttributeValue, Initializer, OnnxGraph, OnnxNode, ValueInfo } from './encode';

export type Attrs = Readonly<Record<string, AttributeValue>>;

export const attr = {
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
};

export class NodeBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  private counter = 0;

  constructor(private readonly prefix = '') {}

  /** A fresh value name, readable in Netron: "<hint>_<n>". */
  fresh(hint: string): string {
    return `${this.prefix}${hint}_${this.counter++}`;
  }

  /** Adds a node with one output and returns that output's name. */
  op(opType: string, inputs: readonly string[], attributes: Attrs = {}, hint = opType.toLowerCase()): string {
    const out = this.fresh(hint);
    this.nodes.push({ opType, inputs, outputs: [out], attributes, name: out });
    return out;
  }

  /** Adds a node with several outputs. */
  opMulti(opType: string, inputs: readonly string[], outputs: number, attributes: Attrs = {}, hint = opType.toLowerCase()): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(`${hint}${i}`));
    this.nodes.push({ opType, inputs, outputs: outs, attributes, name: outs[0] as string });
    return outs;
  }

  /** Writes a node whose outputs have fixed names (graph outputs). */
  opNamed(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: Attrs = {}): void {
    this.nodes.push({ opType, inputs, outputs, attributes, name: outputs[0] as string });
  }

  int64s(values: readonly number[], hint = 'const'): string {
    const name = this.fresh(hint);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, type: 'int64', dims: [values.length], data: new Uint8Array(data.buffer) });
    return name;
  }

  int64Scalar(value: number, hint = 'const'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, type: 'int64', dims: [], data: new Uint8Array(new BigInt64Array([BigInt(value)]).buffer) });
    return name;
  }

  float32s(values: ArrayLike<number>, dims: readonly number[], hint = 'const'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, type: 'float32', dims, data: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  }

  float32Scalar(value: number, hint = 'const'): string {
    return this.float32s([value], [], hint);
  }

  graph(name: string, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], extraInitializers: readonly Initializer[] = []): OnnxGraph {
    return { name, nodes: this.nodes, inputs, outputs, initializers: [...extraInitializers, ...this.initializers] };
  }
}
