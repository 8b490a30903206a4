// The shared vocabulary of the graph layer: element types, the op-definition contract every registry
// entry implements (shape inference, ONNX lowering, vector-Jacobian rule), and the lowering emitter.
import { GroveError } from '../../shared/api/errors';
import { f32ToBf16, f32ToF16 } from '../model/dtype';
import type { Dim } from './dims';
import type { AttributeValue } from './onnx/encode';
import type { Graph, Node, Value } from './ir';

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function isFloat(t: DType): boolean {
  return t === 'float32' || t === 'float64' || t === 'float16' || t === 'bfloat16';
}

export function isInt(t: DType): boolean {
  return t === 'int64' || t === 'int32' || t === 'int8' || t === 'uint8';
}

/** Bytes of `values` as little-endian `dtype` elements. */
export function toBytes(values: ArrayLike<number>, dtype: DType): Uint8Array {
  const f32 = (): Float32Array => Float32Array.from(values);
  const array: ArrayBufferView = (() => {
    switch (dtype) {
      case 'float32':
        return f32();
      case 'float64':
        return Float64Array.from(values);
      case 'float16':
        return f32ToF16(f32());
      case 'bfloat16':
        return f32ToBf16(f32());
      case 'int64':
        return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
      case 'int32':
        return Int32Array.from(values);
      case 'int8':
        return Int8Array.from(values);
      case 'uint8':
        return Uint8Array.from(values);
      case 'bool':
        return Uint8Array.from(values, (v) => (v ? 1 : 0));
    }
  })();
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** An output's type, as shape inference returns it. */
export interface TypeInfo {
  dtype: DType;
  shape: readonly Dim[];
}

/** What lowering offers an op: names of values, fresh intermediates, constants and run-time shapes. */
export interface Emitter {
  /** The ONNX name of an IR value. */
  name(v: Value): string;
  /** Adds one ONNX node. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs?: Readonly<Record<string, AttributeValue>>,
    domain?: string,
  ): void;
  /** A fresh name for an intermediate ONNX value. */
  tmp(hint: string): string;
  /** A 1-D int64 constant (shared between nodes). */
  ints(values: readonly number[]): string;
  /** A 1-D int64 tensor of dims; named dims are read from the graph inputs' shapes at run time. */
  dims(dims: readonly Dim[]): string;
  /** A named or numeric dim as an int64 scalar. */
  dimScalar(d: Dim): string;
  /** A scalar constant of a dtype. */
  scalar(value: number, dtype: DType): string;
}

/** One op: shape inference, lowering and (for differentiable ops) the VJP rule, side by side. */
export interface OpDef<A = unknown> {
  /** Output types from input types and attributes; throws (the graph prefixes the op) on bad shapes. */
  infer(inputs: readonly Value[], attrs: A): TypeInfo[];
  /**
   * Set on ops that exist for inference graphs only (ONNX Runtime contrib ops, run-time slices): why they
   * have no VJP, which autodiff names when a gradient would have to flow through one.
   */
  inferenceOnly?: string;
  /** Emits the ONNX nodes computing the node's outputs (named by e.name(output)). */
  lower(e: Emitter, node: Node<A>): void;
  /**
   * Gradients of the inputs from the gradients of the outputs (undefined where an output got none), built
   * with the same graph API. Only inputs with needs[i] must get one. Absent: the op is not differentiable.
   */
  vjp?(g: Graph, node: Node<A>, dy: readonly (Value | undefined)[], needs: readonly boolean[]): readonly (Value | undefined)[];
}

/** A shape or type error, raised at build time. */
export function graphError(message: string, details?: unknown): GroveError {
  return new GroveError('bad_input', message, details);
}
