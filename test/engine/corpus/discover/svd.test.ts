// The randomized truncated SVD against NumPy's exact SVD of the same dense matrix (np.linalg.svd, float64):
// the same top singular values and the same document coordinates X V_d, with scikit-learn's sign rule (each
// component's largest entry positive) applied on the NumPy side independently.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { svdDims, truncatedSvd } from '../../../../src/engine/corpus/discover/svd';
import { tfidf, type SparseRow } from '../../../../src/engine/corpus/discover/tfidf';
import { Rng } from '../../../../src/engine/model/rng';
import { PYTHON, torchFor } from '../../../helpers/torch';

const numpyAvailable = torchFor('truncated SVD against numpy');

function dense(rows: readonly SparseRow[], columns: number): number[][] {
  return rows.map((r) => {
    const out = new Array<number>(columns).fill(0);
    r.indices.forEach((j, t) => (out[j] = r.values[t]!));
    return out;
  });
}

function numpySvd(X: number[][], d: number): { s: number[]; embedding: number[][] } {
  const script = `
import json, sys, numpy as np
a = json.load(sys.stdin); X = np.array(a['X'], dtype=np.float64); d = a['d']
U, s, Vt = np.linalg.svd(X, full_matrices=False)
Vt = Vt[:d]
signs = np.sign(Vt[np.arange(d), np.argmax(np.abs(Vt), axis=1)])
Vt = Vt * signs[:, None]
print(json.dumps({'s': s[:d].tolist(), 'embedding': (X @ Vt.T).tolist()}))`;
  const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ X, d }), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as { s: number[]; embedding: number[][] };
}

function expectMatches(rows: readonly SparseRow[], columns: number, d: number): void {
  const ours = truncatedSvd(rows, columns, d, { seed: 7 });
  const ref = numpySvd(dense(rows, columns), d);
  const scale = ref.s[0]!;
  ref.s.forEach((s, c) => expect(Math.abs(ours.singularValues[c]! - s) / scale).toBeLessThan(1e-9));
  ref.embedding.forEach((row, i) => row.forEach((v, c) => expect(Math.abs(ours.embedding[i * d + c]! - v) / scale).toBeLessThan(1e-7)));
}

describe.skipIf(!numpyAvailable)('truncatedSvd', () => {
  it('on a rank-8 matrix (the sketch spans it): the exact top 5', () => {
    const rng = new Rng(3);
    const n = 40;
    const cols = 60;
    const A = Array.from({ length: n * 8 }, () => rng.normal());
    const B = Array.from({ length: 8 * cols }, () => (rng.uniform() < 0.3 ? rng.normal() : 0));
    const rows: SparseRow[] = Array.from({ length: n }, (_, i) => {
      const row = Array.from({ length: cols }, (_, j) => A.slice(i * 8, i * 8 + 8).reduce((s, a, t) => s + a * B[t * cols + j]!, 0));
      return { indices: Int32Array.from(row.keys()), values: Float64Array.from(row) };
    });
    expectMatches(rows, cols, 5);
  });

  it("on a TF-IDF matrix of 30 documents, at discovery's own dimension count", () => {
    const rng = new Rng(5);
    const pool = 'river stone forest rain cloud engine piston valve gear torque violin cello sonata chord tempo'.split(' ');
    const texts = Array.from({ length: 30 }, () =>
      Array.from({ length: 25 }, () => pool[Math.floor(rng.uniform() * pool.length)]).join(' '),
    );
    const m = tfidf(texts, { minDocs: 1 });
    const d = svdDims(30, m.vocabulary.length);
    expect(d).toBe(15); // fewer words than 100 or the documents allow
    expectMatches(m.rows, m.vocabulary.length, d);
  });

  it('gives the same answer for the same seed', () => {
    const m = tfidf(
      ['a b c d', 'b c d e', 'c d e f', 'd e f g', 'e f g h'].map((t) => t.replace(/(\w)/g, '$1$1')),
      { minDocs: 1 },
    );
    const a = truncatedSvd(m.rows, m.vocabulary.length, 3, { seed: 1 });
    const b = truncatedSvd(m.rows, m.vocabulary.length, 3, { seed: 1 });
    expect(Array.from(a.embedding)).toEqual(Array.from(b.embedding));
  });
});

describe('svdDims', () => {
  it('is 100, or fewer: at most documents - 1 and the number of words, at least 1', () => {
    expect(svdDims(5000, 20000)).toBe(100);
    expect(svdDims(18, 20000)).toBe(17);
    expect(svdDims(500, 40)).toBe(40);
    expect(svdDims(1, 10)).toBe(1);
  });
});
