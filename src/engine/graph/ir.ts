// Grove's graph IR and its builder: typed, shaped values (dims are numbers or names like 'B', 'T'),
// nodes in creation order (so always topologically sorted), shape inference at build time. Every op's
// inference, ONNX lowering and VJP rule live in the one registry (ops/registry.ts); this file only builds.
import { dim, showShape, type Dim, type Shape } from './dims';
import type { ExternalData } from './onnx/encode';
import type { MatMulNBitsAttrs } from './ops/inference';
import { opDef, type OpName } from './ops/registry';
import { graphError, toBytes, type DType } from './types';

export type Source =
  | { kind: 'input'; name: string }
  | { kind: 'initializer'; name: string; data: Uint8Array | ExternalData; scalar?: number }
  | { kind: 'node'; node: Node; index: number };

export class Value {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
    readonly source: Source,
    /** Readable name part for Netron ("<scope>/<label>_<id>"). */
    public label: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** The node that computes this value (undefined for inputs and initializers). */
  get node(): Node | undefined {
    return this.source.kind === 'node' ? this.source.node : undefined;
  }

  /** Sets the readable label and returns the value: `g.matmul(x, w).named('q')`. */
  named(label: string): this {
    this.label = label;
    return this;
  }

  toString(): string {
    return `${this.label}_${this.id}: ${this.dtype}${showShape(this.shape)}`;
  }
}

export interface Node<A = unknown> {
  readonly op: OpName;
  readonly inputs: readonly Value[];
  readonly attrs: A;
  readonly outputs: Value[];
  /** Position in graph.nodes. */
  readonly index: number;
  readonly scope: string;
  /** The recompute region (Graph.recompute) the node was built in, if any: grad replays it for the backward pass. */
  readonly region?: number;
}

export type Operand = Value | number;

const axesList = (axes: number | readonly number[]): number[] => (typeof axes === 'number' ? [axes] : [...axes]);

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly initializers: Value[] = [];
  readonly outputs: { name: string; value: Value }[] = [];
  private count = 0;
  private scopes: string[] = [];
  private regions = 0;
  private region: number | undefined;
  private scalars = new Map<string, Value>();
  private names = new Set<string>();

  constructor(readonly name = 'grove') {}

  // ---- sources and outputs ----

  private source(name: string, dtype: DType, shape: Shape, src: Source): Value {
    if (this.names.has(name)) throw graphError(`Graph ${this.name} already has an input or initializer named "${name}".`);
    this.names.add(name);
    return new Value(this, this.count++, dtype, shape.map(dim), src, name);
  }

  /** A graph input fed at run time; named dims ('B', 'T') become symbolic ONNX dims. */
  input(name: string, dtype: DType, shape: Shape): Value {
    const v = this.source(name, dtype, shape, { kind: 'input', name });
    this.inputs.push(v);
    return v;
  }

  /** A named initializer: little-endian bytes, or a pointer into a file (safetensors as external data). */
  initializer(name: string, dtype: DType, shape: readonly number[], data: Uint8Array | ExternalData): Value {
    const v = this.source(name, dtype, shape, { kind: 'initializer', name, data });
    this.initializers.push(v);
    return v;
  }

  /** A constant tensor (row-major values). */
  constant(values: ArrayLike<number>, dtype: DType, shape: readonly number[] = [values.length]): Value {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== values.length) throw graphError(`constant: ${values.length} values do not fill shape ${showShape(shape)}.`);
    const id = this.count++;
    const v = new Value(this, id, dtype, shape, { kind: 'initializer', name: `const_${id}`, data: toBytes(values, dtype) }, 'const');
    this.initializers.push(v);
    return v;
  }

  /** A scalar constant, shared by every use of the same (value, dtype). */
  scalar(value: number, dtype: DType = 'float32'): Value {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`;
    let v = this.scalars.get(key);
    if (!v) {
      const id = this.count++;
      v = new Value(
        this,
        id,
        dtype,
        [],
        { kind: 'initializer', name: `const_${id}`, data: toBytes([value], dtype), scalar: value },
        'const',
      );
      this.initializers.push(v);
      this.scalars.set(key, v);
    }
    return v;
  }

  /** Marks a value as a graph output under `name`. */
  output(name: string, value: Value): void {
    if (value.graph !== this) throw graphError(`Graph ${this.name}: output ${name} is ${value}, a value of another graph.`);
    if (this.outputs.some((o) => o.name === name) || this.names.has(name))
      throw graphError(`Graph ${this.name} already has a value named "${name}".`);
    this.names.add(name);
    this.outputs.push({ name, value });
  }

  /** Runs `build` with value names prefixed by `prefix/` (for Netron and error messages). */
  scope<T>(prefix: string, build: () => T): T {
    this.scopes.push(prefix);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Builds a recompute region (activation checkpointing): grad does not keep the activations computed inside
   * `build` for the backward pass; it rebuilds them from the region's inputs just before the region's backward
   * (autodiff.ts). Less memory (a region's inputs live through the step, its insides one region at a time),
   * more compute (the region's forward runs twice). Regions do not nest.
   */
  recompute<T>(build: () => T): T {
    if (this.region !== undefined) throw graphError(`Graph ${this.name}: recompute regions do not nest.`);
    this.region = this.regions++;
    try {
      return build();
    } finally {
      this.region = undefined;
    }
  }

  /** Adds a node of a registry op; shape inference runs now and its errors name the op and shapes. */
  apply<A>(op: OpName, inputs: readonly Value[], attrs: A = {} as A): Value[] {
    for (const v of inputs) if (v.graph !== this) throw graphError(`${op}: input ${v} belongs to another graph.`);
    const scope = this.scopes.join('/');
    let types;
    try {
      types = opDef(op).infer(inputs, attrs);
    } catch (err) {
      const where = scope ? ` in ${scope}` : '';
      const args = inputs.map((v) => `${v.dtype}${showShape(v.shape)}`).join(', ');
      throw graphError(`${op}${where} (inputs ${args || 'none'}): ${(err as Error).message}`, {
        op,
        scope,
        shapes: inputs.map((v) => v.shape),
      });
    }
    const node: Node<A> = {
      op,
      inputs,
      attrs,
      outputs: [],
      index: this.nodes.length,
      scope,
      ...(this.region === undefined ? {} : { region: this.region }),
    };
    for (let i = 0; i < types.length; i++) {
      const t = types[i]!;
      node.outputs.push(new Value(this, this.count++, t.dtype, t.shape.map(dim), { kind: 'node', node, index: i }, op));
    }
    this.nodes.push(node);
    return node.outputs;
  }

  private one<A>(op: OpName, inputs: readonly Value[], attrs?: A): Value {
    return this.apply(op, inputs, attrs)[0] as Value;
  }

  /** Turns numbers into scalar constants of the other operand's dtype. */
  private lift(a: Operand, b: Operand, fallback: DType = 'float32'): [Value, Value] {
    const dtype = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : fallback;
    return [typeof a === 'number' ? this.scalar(a, dtype) : a, typeof b === 'number' ? this.scalar(b, dtype) : b];
  }

  // ---- elementwise (NumPy broadcasting) ----
  add(a: Operand, b: Operand): Value {
    return this.one('add', this.lift(a, b));
  }
  sub(a: Operand, b: Operand): Value {
    return this.one('sub', this.lift(a, b));
  }
  mul(a: Operand, b: Operand): Value {
    return this.one('mul', this.lift(a, b));
  }
  div(a: Operand, b: Operand): Value {
    return this.one('div', this.lift(a, b));
  }
  /** Elementwise max / min of two tensors (the gradient goes to the larger / smaller; half each on ties). */
  maximum(a: Operand, b: Operand): Value {
    return this.one('max', this.lift(a, b));
  }
  minimum(a: Operand, b: Operand): Value {
    return this.one('min', this.lift(a, b));
  }
  /** x ** p for a constant exponent. */
  pow(x: Value, p: number): Value {
    return this.one('pow', [x, this.scalar(p, x.dtype)]);
  }
  neg(x: Value): Value {
    return this.one('neg', [x]);
  }
  sqrt(x: Value): Value {
    return this.one('sqrt', [x]);
  }
  reciprocal(x: Value): Value {
    return this.one('reciprocal', [x]);
  }
  exp(x: Value): Value {
    return this.one('exp', [x]);
  }
  log(x: Value): Value {
    return this.one('log', [x]);
  }
  sigmoid(x: Value): Value {
    return this.one('sigmoid', [x]);
  }
  tanh(x: Value): Value {
    return this.one('tanh', [x]);
  }
  sin(x: Value): Value {
    return this.one('sin', [x]);
  }
  cos(x: Value): Value {
    return this.one('cos', [x]);
  }
  /** Sum of several tensors in one pass (broadcasting); what autodiff uses to accumulate gradients. */
  sum(xs: readonly Value[]): Value {
    return xs.length === 1 ? (xs[0] as Value) : this.one('sum', xs);
  }
  identity(x: Value): Value {
    return this.one('identity', [x]);
  }

  // ---- comparisons, selection, casts ----
  equal(a: Operand, b: Operand): Value {
    return this.one('equal', this.lift(a, b, 'int64'));
  }
  less(a: Operand, b: Operand): Value {
    return this.one('less', this.lift(a, b, 'int64'));
  }
  greater(a: Operand, b: Operand): Value {
    return this.one('greater', this.lift(a, b, 'int64'));
  }
  /** cond ? a : b, broadcasting all three. */
  where(cond: Value, a: Operand, b: Operand): Value {
    return this.one('where', [cond, ...this.lift(a, b)]);
  }
  cast(x: Value, to: DType): Value {
    return x.dtype === to ? x : this.one('cast', [x], { to });
  }

  // ---- linear algebra ----
  /** Batched matmul [..., M, K] @ [..., K, N] with broadcast batch dims (both ranks >= 2). */
  matmul(a: Value, b: Value): Value {
    return this.one('matmul', [a, b]);
  }

  // ---- reductions (axes default: all) ----
  private reduce(op: OpName, x: Value, axes: number | readonly number[] | undefined, keepdims: boolean): Value {
    const list = axes === undefined ? x.shape.map((_, i) => i) : axesList(axes);
    return this.one(op, [x], { axes: list, keepdims });
  }
  reduceSum(x: Value, axes?: number | readonly number[], keepdims = false): Value {
    return this.reduce('reduceSum', x, axes, keepdims);
  }
  reduceMean(x: Value, axes?: number | readonly number[], keepdims = false): Value {
    return this.reduce('reduceMean', x, axes, keepdims);
  }
  reduceMax(x: Value, axes?: number | readonly number[], keepdims = false): Value {
    return this.reduce('reduceMax', x, axes, keepdims);
  }
  /** log(sum(exp(x))) over axes, computed stably by ONNX Runtime. */
  reduceLogSumExp(x: Value, axes?: number | readonly number[], keepdims = false): Value {
    return this.reduce('reduceLogSumExp', x, axes, keepdims);
  }
  softmax(x: Value, axis = -1): Value {
    return this.one('softmax', [x], { axis });
  }
  logSoftmax(x: Value, axis = -1): Value {
    return this.one('logSoftmax', [x], { axis });
  }

  /** Per-row -log softmax(logits)[target] for logits [..., V] and integer targets [...] (fused rule). */
  softmaxCrossEntropy(logits: Value, targets: Value): Value {
    return this.one('softmaxCrossEntropy', [logits, targets]);
  }

  // ---- indexing ----
  /** data[indices] along `axis` (embedding lookup: gather(table [V, C], ids [B, T]) -> [B, T, C]). */
  gather(data: Value, indices: Value, axis = 0): Value {
    return this.one('gather', [data, indices], { axis });
  }
  /** out[i][j] = data[indices[i][j]][j] (axis 0) etc.; indices has data's rank. */
  gatherElements(data: Value, indices: Value, axis: number): Value {
    return this.one('gatherElements', [data, indices], { axis });
  }
  /** data with updates added at index tuples (ONNX ScatterND, reduction add). */
  scatterNDAdd(data: Value, indices: Value, updates: Value): Value {
    return this.one('scatterNDAdd', [data, indices, updates]);
  }
  /** data with updates added along axis at indices (ONNX ScatterElements, reduction add). */
  scatterElementsAdd(data: Value, indices: Value, updates: Value, axis: number): Value {
    return this.one('scatterElementsAdd', [data, indices, updates], { axis });
  }

  // ---- shapes ----
  /** New shape with the same element count; one dim may be -1 (inferred). Named dims are allowed. */
  reshape(x: Value, shape: Shape): Value {
    return this.one('reshape', [x], { shape: shape.map(dim) });
  }
  /** Permutes axes (default: reversed). */
  transpose(x: Value, perm?: readonly number[]): Value {
    return this.one('transpose', [x], { perm: perm ? [...perm] : x.shape.map((_, i) => x.rank - 1 - i) });
  }
  concat(xs: readonly Value[], axis: number): Value {
    return this.one('concat', xs, { axis });
  }
  /** x[start:end:step] along one axis (end omitted: to the end; negative indices count from the end). */
  slice(x: Value, axis: number, start: Dim, end?: Dim, step = 1): Value {
    return this.one('slice', [x], { axis, start, end: end ?? null, step });
  }
  /** Splits along an axis into parts of the given sizes. */
  split(x: Value, axis: number, sizes: readonly Dim[]): Value[] {
    return this.apply('split', [x], { axis, sizes: sizes.map(dim) });
  }
  unsqueeze(x: Value, axes: number | readonly number[]): Value {
    return this.one('unsqueeze', [x], { axes: axesList(axes) });
  }
  squeeze(x: Value, axes: number | readonly number[]): Value {
    return this.one('squeeze', [x], { axes: axesList(axes) });
  }
  /** Broadcasts x to a shape (NumPy rules). */
  expand(x: Value, shape: Shape): Value {
    return this.one('expand', [x], { shape: shape.map(dim) });
  }

  /** Zero padding: pads = [begin per axis..., end per axis...] (named dims allowed). */
  pad(x: Value, pads: readonly Dim[]): Value {
    return this.one('pad', [x], { pads: pads.map(dim) });
  }

  // ---- generated tensors ----
  /** [start, start+1, ..., end-1]; start and end may be named dims ('P', 'P+S'). */
  arange(start: Dim, end: Dim, dtype: DType = 'int64'): Value {
    return this.one('arange', [], { start: dim(start), end: dim(end), dtype });
  }
  /** A filled tensor of a (possibly symbolic) shape. */
  full(shape: Shape, value: number, dtype: DType = 'float32'): Value {
    return this.one('full', [], { shape: shape.map(dim), value, dtype });
  }
  zeros(shape: Shape, dtype: DType = 'float32'): Value {
    return this.full(shape, 0, dtype);
  }
  /** The run-time value of a dim as a scalar ('T' -> the sequence length fed). */
  size(d: Dim, dtype: DType = 'int64'): Value {
    const c = dim(d);
    return typeof c === 'number' ? this.scalar(c, dtype) : this.one('size', [], { dim: c, dtype });
  }

  // ---- inference only (ONNX Runtime contrib ops and run-time slices; no VJP, see ops/inference.ts) ----
  /**
   * com.microsoft.GroupQueryAttention: [context [B, S, H D], present key, present value]. q [B, S, H D] with
   * k, v [B, S, Hkv D], or q alone holding all three (packed); `past` buffers [B, Hkv, capacity, D] whose
   * first P rows it reads; seqlensK int32 [B] (total - 1) and totalLength int32 []; `rotary` cos/sin caches
   * [maxPositions, D/2] make the op rotate q and k itself.
   */
  groupQueryAttention(
    a: {
      q: Value;
      k?: Value;
      v?: Value;
      past?: readonly [Value, Value];
      seqlensK: Value;
      totalLength: Value;
      rotary?: readonly [Value, Value];
    },
    heads: { numHeads: number; kvNumHeads: number },
  ): [Value, Value, Value] {
    if (!a.k !== !a.v) throw graphError('groupQueryAttention: give k and v together, or neither (packed q).');
    const inputs = [a.q, ...(a.k && a.v ? [a.k, a.v] : []), ...(a.past ?? []), a.seqlensK, a.totalLength, ...(a.rotary ?? [])];
    return this.apply('groupQueryAttention', inputs, { ...heads, packed: !a.k, cache: !!a.past, rotary: !!a.rotary }) as [
      Value,
      Value,
      Value,
    ];
  }
  /** com.microsoft.SkipSimplifiedLayerNormalization: [rmsNorm(x + skip) * weight, x + skip]. */
  skipRmsNorm(x: Value, skip: Value, weight: Value, epsilon: number): [Value, Value] {
    return this.apply('skipSimplifiedLayerNorm', [x, skip, weight], { epsilon }) as [Value, Value];
  }
  /** x @ W^T for W block-quantized as MatMulNBits takes it (b uint8 codes, scales); see ops/inference.ts. */
  matMulNBits(x: Value, b: Value, scales: Value, attrs: MatMulNBitsAttrs): Value {
    return this.one('matMulNBits', [x, b, scales], attrs);
  }
  /** x[start:end] along an axis, bounds int64 [1] tensors computed at run time; `length` is end - start. */
  sliceRange(x: Value, axis: number, start: Value, end: Value, length: Dim): Value {
    return this.one('sliceRange', [x, start, end], { axis, length: dim(length) });
  }

  /** The IR as text, one node a line ("mlp/matmul_7: float32[B, T, 32] = matmul(x_0, transpose_6)"). */
  toString(): string {
    const ref = (v: Value): string => `${v.label}_${v.id}`;
    const lines = [...this.inputs, ...this.initializers.filter((v) => v.source.kind === 'initializer' && v.label !== 'const')].map(
      (v) => `${v.source.kind} ${v}`,
    );
    for (const n of this.nodes) {
      const outs = n.outputs.map((v) => `${n.scope ? `${n.scope}/` : ''}${v}`).join(', ');
      const attrs = Object.keys(n.attrs ?? {}).length ? ` ${JSON.stringify(n.attrs)}` : '';
      lines.push(`${outs} = ${n.op}(${n.inputs.map(ref).join(', ')})${attrs}`);
    }
    for (const o of this.outputs) lines.push(`output ${o.name} = ${ref(o.value)}`);
    return lines.join('\n');
  }
}
