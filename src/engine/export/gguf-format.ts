// The GGUF container (version 3, little-endian): header, typed key/value metadata, tensor infos, then the
// tensor data, each tensor aligned to `general.alignment` (32). Dims are listed innermost first (ne[0] is
// the last axis of a row-major array), so a PyTorch [out, in] matrix is written as [in, out] with its
// bytes unchanged.

export const GGUF_ALIGNMENT = 32;

/** GGUF metadata value types. */
const T = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** ggml tensor types Grove writes. */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type GgmlType = keyof typeof GGML_TYPE;

/** Bytes per element (F32, F16) or per block of 32 elements (Q4_0, Q8_0: the f16 scale and the codes). */
const TYPE_SIZE: Record<GgmlType, { bytes: number; per: number }> = {
  F32: { bytes: 4, per: 1 },
  F16: { bytes: 2, per: 1 },
  Q4_0: { bytes: 18, per: 32 },
  Q8_0: { bytes: 34, per: 32 },
};

export type GgufValue =
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'int32[]'; value: readonly number[] }
  | { type: 'float32[]'; value: readonly number[] };

export interface GgufTensorInfo {
  name: string;
  /** Row-major (PyTorch) shape; written reversed. */
  shape: readonly number[];
  type: GgmlType;
}

/** Growable little-endian byte buffer for the header part of the file. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(w: ByteWriter, v: GgufValue): void {
  switch (v.type) {
    case 'uint32':
      w.u32(T.UINT32);
      w.u32(v.value);
      return;
    case 'int32':
      w.u32(T.INT32);
      w.i32(v.value);
      return;
    case 'float32':
      w.u32(T.FLOAT32);
      w.f32(v.value);
      return;
    case 'bool':
      w.u32(T.BOOL);
      w.u8(v.value ? 1 : 0);
      return;
    case 'string':
      w.u32(T.STRING);
      w.string(v.value);
      return;
    case 'string[]':
      w.u32(T.ARRAY);
      w.u32(T.STRING);
      w.u64(v.value.length);
      for (const s of v.value) w.string(s);
      return;
    case 'int32[]':
      w.u32(T.ARRAY);
      w.u32(T.INT32);
      w.u64(v.value.length);
      for (const x of v.value) w.i32(x);
      return;
    case 'float32[]':
      w.u32(T.ARRAY);
      w.u32(T.FLOAT32);
      w.u64(v.value.length);
      for (const x of v.value) w.f32(x);
      return;
  }
}

export function tensorBytes(t: GgufTensorInfo): number {
  const { bytes, per } = TYPE_SIZE[t.type];
  return (t.shape.reduce((n, d) => n * d, 1) / per) * bytes;
}

function align(n: number): number {
  return Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
}

/**
 * Everything before the tensor data: header, metadata, tensor infos with their offsets, padding. The data
 * section that follows holds the tensors in this order, each padded to the alignment.
 */
export function encodeGgufHeader(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorInfo[]): Uint8Array {
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode('GGUF'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(metadata.size);
  for (const [key, value] of metadata) {
    w.string(key);
    writeValue(w, value);
  }
  let offset = 0;
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) w.u64(d);
    w.u32(GGML_TYPE[t.type]);
    w.u64(offset);
    offset = align(offset + tensorBytes(t));
  }
  w.padTo(GGUF_ALIGNMENT);
  return w.result();
}

/** Zero bytes that pad a tensor of `bytes` to the alignment. */
export function paddingAfter(bytes: number): Uint8Array {
  return new Uint8Array(align(bytes) - bytes);
}
