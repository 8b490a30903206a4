import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../../src/engine/model/config';
import { initParameter, initParameters } from '../../../src/engine/model/init';
import { parameterSpecs } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';

describe('Rng', () => {
  it('is deterministic per (seed, stream) and differs across seeds and streams', () => {
    const draw = (seed: number, stream: string) => {
      const rng = new Rng(seed, stream);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    const a = draw(1, 'a');
    expect(draw(1, 'a')).toEqual(a);
    expect(draw(1, 'b')).not.toEqual(a);
    expect(draw(2, 'a')).not.toEqual(a);
    expect(() => new Rng(-1)).toThrow(/seed/);
    expect(() => new Rng(2 ** 32)).toThrow(/seed/);
  });

  it('has uniform bits: each of 32 bit positions is set about half the time', () => {
    const rng = new Rng(7);
    const ones = new Array<number>(32).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const x = rng.nextUint32();
      for (let b = 0; b < 32; b++) ones[b]! += (x >>> b) & 1;
    }
    for (const count of ones) expect(Math.abs(count / n - 0.5)).toBeLessThan(0.02); // 5.6 sigma
  });

  it('gives standard normals: mean 0, variance 1, symmetric tails', () => {
    const rng = new Rng(3);
    const n = 200000;
    let sum = 0,
      sq = 0,
      beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.01);
    expect(beyond2 / n).toBeCloseTo(0.0455, 2); // P(|Z| > 2)
  });
});

describe('init', () => {
  const config = presetConfig('tiny', { tieWordEmbeddings: false, initializerRange: 0.02 });

  it('gives the same weights for the same seed, different ones for another seed', () => {
    const spec = parameterSpecs(config).find((s) => s.name === 'model.layers.1.mlp.up_proj.weight')!;
    const a = initParameter(config, spec, 1234);
    expect(initParameter(config, spec, 1234)).toEqual(a);
    expect(initParameter(config, spec, 1235)).not.toEqual(a);
    // Each tensor has its own stream: same-shaped tensors are not copies of each other.
    const gate = parameterSpecs(config).find((s) => s.name === 'model.layers.1.mlp.gate_proj.weight')!;
    expect(initParameter(config, gate, 1234)).not.toEqual(a);
  });

  it('draws linear and embedding weights from normal(0, initializer_range), norms 1, biases 0', () => {
    const qwen = { ...config, architecture: 'Qwen2ForCausalLM' as const, qkvBias: true };
    for (const { spec, data } of initParameters(qwen, 9)) {
      if (spec.role === 'norm')
        expect(
          data.every((x) => x === 1),
          spec.name,
        ).toBe(true);
      else if (spec.role === 'bias')
        expect(
          data.every((x) => x === 0),
          spec.name,
        ).toBe(true);
      else {
        let sum = 0,
          sq = 0;
        for (const x of data) {
          sum += x;
          sq += x * x;
        }
        const mean = sum / data.length;
        const std = Math.sqrt(sq / data.length - mean * mean);
        const se = 0.02 / Math.sqrt(data.length);
        expect(Math.abs(mean), spec.name).toBeLessThan(6 * se);
        expect(Math.abs(std - 0.02) / 0.02, spec.name).toBeLessThan(0.02);
      }
    }
  });
});
