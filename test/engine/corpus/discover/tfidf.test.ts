// TF-IDF against the formula computed by hand in the test (scikit-learn's default: raw count x (ln((1+n)/(1+df)) + 1), rows unit length).
import { describe, expect, it } from 'vitest';
import { tfidf, words } from '../../../../src/engine/corpus/discover/tfidf';

describe('words', () => {
  it('lower-cases, splits on anything but letters and digits, drops stop words and one-letter words', () => {
    expect(words('The Café, a x-ray of 2024 naïve GPUs!')).toEqual(['café', 'ray', '2024', 'naïve', 'gpus']);
  });
});

describe('tfidf', () => {
  const texts = ['apple banana apple', 'banana cherry', 'cherry cherry durian', 'the of and'];

  it('weights each word by its count and smoothed idf, and scales each row to unit length', () => {
    const m = tfidf(texts, { minDocs: 1 });
    expect(m.vocabulary).toEqual(['apple', 'banana', 'cherry', 'durian']);
    const n = 4;
    const idf = (df: number) => Math.log((1 + n) / (1 + df)) + 1;
    expect(Array.from(m.idf)).toEqual([idf(1), idf(2), idf(2), idf(1)]);
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const dense = (r: number) => {
      const out = [0, 0, 0, 0];
      m.rows[r]!.indices.forEach((j, t) => (out[j] = m.rows[r]!.values[t]!));
      return out;
    };
    const expected = [unit([2 * idf(1), idf(2), 0, 0]), unit([0, idf(2), idf(2), 0]), unit([0, 0, 2 * idf(2), idf(1)]), [0, 0, 0, 0]];
    expected.forEach((row, r) => dense(r).forEach((v, j) => expect(v).toBeCloseTo(row[j]!, 12)));
  });

  it('drops words of too few documents and keeps the most widespread ones under the cap', () => {
    expect(tfidf(texts, { minDocs: 2 }).vocabulary).toEqual(['banana', 'cherry']);
    expect(tfidf(texts, { minDocs: 1, maxTerms: 2 }).vocabulary).toEqual(['banana', 'cherry']);
  });
});
