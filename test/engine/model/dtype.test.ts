import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../../src/engine/model/dtype';

describe('float conversions', () => {
  it('decodes f16 exactly: 1, -2, 65504, smallest subnormal, inf, NaN', () => {
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x7e00, 0x8000]);
    const f = f16ToF32(bits);
    expect(Array.from(f.subarray(0, 6))).toEqual([1, -2, 65504, 2 ** -24, Infinity, -Infinity]);
    expect(f[6]).toBeNaN();
    expect(Object.is(f[7], -0)).toBe(true);
  });

  it('round-trips every finite f16 value through f32 bit for bit', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const back = f32ToF16(f16ToF32(all));
    for (let i = 0; i < 65536; i++) {
      const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!isNaN && back[i] !== i) throw new Error(`f16 0x${i.toString(16)} came back as 0x${back[i]!.toString(16)}`);
    }
  });

  it('rounds f32 to f16 to nearest, ties to even, overflow to inf, tiny to zero', () => {
    const ulp = 2 ** -10; // f16 spacing in [1, 2)
    const x = Float32Array.from([1 + ulp / 2, 1 + 1.5 * ulp, 1 + ulp / 2 + 2 ** -20, 70000, 2 ** -26, 3 * 2 ** -26, 65520]);
    expect(Array.from(f16ToF32(f32ToF16(x)))).toEqual([1, 1 + 2 * ulp, 1 + ulp, Infinity, 0, 2 ** -24, Infinity]);
  });

  it('rounds f32 to bf16 to nearest even and decodes it back', () => {
    const x = Float32Array.from([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.140625, 1e-40]);
    const y = bf16ToF32(f32ToBf16(x));
    expect(Array.from(y.subarray(0, 4))).toEqual([1, 1, 1 + 4 * 2 ** -8, -3.140625]);
    expect(y[4]).toBe(2 ** -133); // subnormal: nearest multiple of the smallest bf16 subnormal
    expect(bf16ToF32(f32ToBf16(Float32Array.from([NaN])))[0]).toBeNaN();
  });
});
