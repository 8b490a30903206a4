// Seeded, portable random numbers: xoshiro128** (Blackman & Vigna 2018) seeded by splitmix32, and
// Box-Muller normals. The same (seed, stream) gives the same numbers on every machine and OS.
//
// Why portable: the generator is pure 32-bit integer arithmetic (Math.imul, shifts), and the normal
// transform uses Math.log/sqrt/cos/sin, which V8 implements itself (its fdlibm port, not the C
// library), so Node and Electron agree bit for bit everywhere.

/** FNV-1a over the UTF-16 code units of a string: turns a stream name into 32 bits. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** splitmix32 step: a good 32-bit mixer, used only to expand a seed into xoshiro's 128-bit state. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_POW_32 = 4294967296;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  /**
   * seed: an integer in [0, 2^32). stream: a name that gives an independent sequence for the same
   * seed (Grove uses the tensor name, so each tensor's init does not depend on the others).
   */
  constructor(seed: number, stream = '') {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32)
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    const mixer = { x: (seed ^ Math.imul(fnv1a32(stream), 0x27d4eb2d)) | 0 };
    splitmix32(mixer); // decorrelate nearby seeds before taking the state
    this.s0 = splitmix32(mixer);
    this.s1 = splitmix32(mixer);
    this.s2 = splitmix32(mixer);
    this.s3 = splitmix32(mixer);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the one state xoshiro cannot leave
  }

  /** Next uniform 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Standard normal by Box-Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u1 = (this.nextUint32() + 1) / TWO_POW_32; // (0, 1]: log never sees 0
    const u2 = this.nextUint32() / TWO_POW_32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spareNormal = r * Math.sin(angle);
    return r * Math.cos(angle);
  }

  /** Fills `out` with normal(mean, std) samples. */
  fillNormal(out: Float32Array, mean: number, std: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }
}
