import { describe, expect, it } from 'vitest';
import { embedContext, fitTfidf, routeWeights, terms } from '../../../src/engine/forest/routing';

const docs = ['the court ruled', 'the patient recovered', 'the court and the judge'];

describe('tf-idf', () => {
  it('tokenises like scikit-learn (lower case, words of two or more characters)', () => {
    expect(terms('A Court, the court_2 & x9 ß é!')).toEqual(['court', 'the', 'court_2', 'x9']);
  });

  it('fits sorted vocabulary and smoothed idf, as computed by hand', () => {
    const model = fitTfidf(docs);
    expect([...model.vocabulary.keys()]).toEqual(['and', 'court', 'judge', 'patient', 'recovered', 'ruled', 'the']);
    const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
    expect(Array.from(model.idf)).toEqual([idf(1), idf(2), idf(1), idf(1), idf(1), idf(1), idf(3)].map((v) => expect.closeTo(v, 15)));
  });

  it('embeds raw counts times idf, L2-normalised, and projects through SVD components', () => {
    const model = fitTfidf(docs);
    const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
    const e = embedContext('The court, the COURT; unknown words', model);
    const raw = [0, 2 * idf(2), 0, 0, 0, 0, 2 * idf(3)];
    const n = Math.hypot(...raw);
    expect(Array.from(e)).toEqual(raw.map((v) => expect.closeTo(v / n, 15)));
    expect(Array.from(embedContext('nothing known here', model))).toEqual(new Array(7).fill(0));

    // Two components: row 0 reads "court", row 1 reads "the" minus "court".
    const components = Float64Array.from([0, 1, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1]);
    const projected = embedContext('the court the court', { ...model, components });
    expect(Array.from(projected)).toEqual([expect.closeTo(raw[1]! / n, 15), expect.closeTo((raw[6]! - raw[1]!) / n, 15)]);
    expect(() => embedContext('court', { ...model, components: new Float64Array(5) })).toThrow(/5 values, not dims x 7 terms/);
  });
});

describe('routing weights', () => {
  it('is softmax(-d^2 / T) over the centres, T = 0.1 by default', () => {
    const e = [0.6, 0.8];
    const centres = [[1, 0], [0, 1], [0.6, 0.7]];
    const d2 = centres.map((c) => (e[0]! - c[0]!) ** 2 + (e[1]! - c[1]!) ** 2);
    const raw = d2.map((d) => Math.exp(-d / 0.1));
    const z = raw.reduce((a, b) => a + b, 0);
    const w = routeWeights(e, centres);
    expect(Array.from(w)).toEqual(raw.map((v) => expect.closeTo(v / z, 14)));
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    expect(w.indexOf(Math.max(...w))).toBe(2); // the nearest centre
    // A higher temperature flattens the weights.
    const warm = routeWeights(e, centres, { temperature: 10 });
    expect(Math.max(...warm) - Math.min(...warm)).toBeLessThan(Math.max(...w) - Math.min(...w));
  });

  it('stays finite when every centre is far (the distances would underflow a naive softmax)', () => {
    const w = routeWeights([100, 100], [[0, 0], [1, 1]]);
    expect(Array.from(w).every(Number.isFinite)).toBe(true);
    expect(w[1]).toBeCloseTo(1, 12);
  });

  it('keeps the top-k, renormalised; routes a real context to its cluster', () => {
    const model = fitTfidf(['court judge law ruling', 'patient doctor medicine', 'goal match team']);
    const centres = ['court judge law ruling', 'patient doctor medicine', 'goal match team'].map((t) => embedContext(t, model));
    const w = routeWeights(embedContext('the judge and the court', model), centres, { topK: 2 });
    expect(w.indexOf(Math.max(...w))).toBe(0);
    expect(w.filter((v) => v === 0)).toHaveLength(1);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
  });

  it('refuses mismatched dimensions, bad temperatures and no centres', () => {
    expect(() => routeWeights([1, 2], [[1, 2], [1, 2, 3]])).toThrow(/centre 1 has 3 dimensions but the embedding has 2/);
    expect(() => routeWeights([1], [[1]], { temperature: 0 })).toThrow(/temperature is 0/);
    expect(() => routeWeights([1], [])).toThrow(/no cluster centres/);
    expect(() => fitTfidf([])).toThrow(/no documents/);
  });
});
