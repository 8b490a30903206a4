import { describe, expect, it } from 'vitest';
import { applyRepetitionPenalty, argmax, candidates, Sampler } from '../../../src/engine/generate/sampling';

describe('sampling', () => {
  it('applies the repetition penalty as Hugging Face does, once per distinct token', () => {
    const logits = new Float32Array([2, -2, 1, 0.5]);
    applyRepetitionPenalty(logits, [0, 1, 1, 1], 2);
    expect([...logits]).toEqual([1, -4, 1, 0.5]);
  });

  it('is greedy at temperature 0', () => {
    const s = new Sampler({ temperature: 0, repetitionPenalty: 1 });
    expect(s.next(new Float32Array([0.1, 3, 2]), [])).toBe(1);
    expect(argmax([1, 5, 5])).toBe(1);
  });

  it('keeps top-k, then the nucleus, renormalised', () => {
    // softmax of [ln 4, ln 2, ln 1, ln 1] = [0.5, 0.25, 0.125, 0.125]
    const logits = new Float32Array([Math.log(4), Math.log(2), 0, 0]);
    const k2 = candidates(logits, { temperature: 1, topK: 2, topP: 1 });
    expect(k2.ids).toEqual([0, 1]);
    expect(k2.probs[0]).toBeCloseTo(2 / 3, 6);
    const p = candidates(logits, { temperature: 1, topK: 0, topP: 0.7 });
    expect(p.ids).toEqual([0, 1]);
    const hot = candidates(logits, { temperature: 2, topK: 0, topP: 1 });
    expect(hot.probs[0]).toBeCloseTo(2 / (2 + Math.SQRT2 + 2), 6);
  });

  it('draws in proportion to the probabilities, reproducibly per seed', () => {
    const logits = () => new Float32Array([Math.log(3), 0]);
    const s = new Sampler({ temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 5 });
    let zeros = 0;
    for (let i = 0; i < 4000; i++) if (s.next(logits(), []) === 0) zeros++;
    expect(zeros / 4000).toBeGreaterThan(0.72);
    expect(zeros / 4000).toBeLessThan(0.78);
    const a = new Sampler({ seed: 9 });
    const b = new Sampler({ seed: 9 });
    const seqA = Array.from({ length: 20 }, () => a.next(new Float32Array([1, 1.2, 0.9, 1.1]), []));
    const seqB = Array.from({ length: 20 }, () => b.next(new Float32Array([1, 1.2, 0.9, 1.1]), []));
    expect(seqA).toEqual(seqB);
  });

  it('refuses bad settings', () => {
    expect(() => new Sampler({ topP: 0 })).toThrow();
    expect(() => new Sampler({ temperature: -1 })).toThrow();
  });
});
