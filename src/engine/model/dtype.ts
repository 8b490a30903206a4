// safetensors dtypes and the float conversions Grove needs: f16/bf16/f64 -> f32 on read,
// f32 -> f16/bf16 (round to nearest, ties to even, like PyTorch's .half() / .bfloat16()) on write.

/** Bytes per element of every dtype the safetensors format defines. */
export const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;
export type Dtype = keyof typeof DTYPE_SIZES;

/** Dtypes that can be read as float32. */
export const FLOAT_DTYPES = ['F64', 'F32', 'F16', 'BF16'] as const;
/** Dtypes Grove writes. */
export const WRITE_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type WriteDtype = (typeof WRITE_DTYPES)[number];

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZES, value);
}

let f16Table: Float32Array | null = null;

/** All 65536 half-precision values, decoded once (256 KiB); decoding is then one lookup per element. */
function halfTable(): Float32Array {
  if (f16Table) return f16Table;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0)
      table[h] = sign * mant * 2 ** -24; // zero and subnormals
    else if (exp === 0x1f) table[h] = mant === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  f16Table = table;
  return table;
}

/** Decodes little-endian f16 bits into `out`. */
export function f16ToF32(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  const table = halfTable();
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]!]!;
  return out;
}

/** bf16 is the top half of an f32: shift it back into place. */
export function bf16ToF32(bits: Uint16Array, out = new Float32Array(bits.length)): Float32Array {
  const u32 = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bits.length; i++) u32[i] = bits[i]! << 16;
  return out;
}

/** One f32 (as raw bits) to f16 bits, round to nearest even; overflow gives inf, NaN stays NaN. */
export function f32BitsToF16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: signed zero
    mant |= 0x800000; // subnormal result: make the implicit bit explicit and shift it down
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // a carry may roll into the exponent: correct
  return sign | half;
}

export function f32ToF16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) out[i] = f32BitsToF16(bits[i]!);
  return out;
}

export function f32ToBf16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const x = bits[i]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0)
      out[i] = (x >>> 16) | 0x40; // quiet NaN
    else out[i] = ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

/** Little-endian bytes of a float dtype -> float32 values. `bytes` must start at an even offset for 2-byte types. */
export function bytesToF32(dtype: Dtype, bytes: Uint8Array): Float32Array {
  switch (dtype) {
    case 'F32':
      if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return new Float32Array(bytes.slice().buffer);
    case 'F16':
      return f16ToF32(u16View(bytes));
    case 'BF16':
      return bf16ToF32(u16View(bytes));
    case 'F64': {
      const f64 =
        bytes.byteOffset % 8 === 0
          ? new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
          : new Float64Array(bytes.slice().buffer);
      return Float32Array.from(f64);
    }
    default:
      throw new TypeError(`dtype ${dtype} is not a float type; only ${FLOAT_DTYPES.join(', ')} convert to float32`);
  }
}

/** float32 values -> little-endian bytes of `dtype` (no copy for F32). */
export function f32ToBytes(dtype: WriteDtype, values: Float32Array): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bits = dtype === 'F16' ? f32ToF16(values) : f32ToBf16(values);
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
}

function u16View(bytes: Uint8Array): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  return new Uint16Array(bytes.slice().buffer);
}
