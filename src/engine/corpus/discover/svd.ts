// Truncated SVD of the sparse TF-IDF matrix (c-BTM's step 2, scikit-learn's TruncatedSVD): each document becomes
// its coordinates on the top d right singular vectors, X V_d = U_d S_d. Randomized, as scikit-learn's default
// (Halko, Martinsson & Tropp 2011): a seeded Gaussian sketch of d + 10 columns, power iterations re-orthonormalised
// by QR, then the exact SVD of the small projected matrix. The sparse products and the tall thin QR (Gram-Schmidt,
// a few lines on typed arrays) are done here; the small [l, l] SVD is ml-matrix's (already Grove's dependency for
// low-rank.ts; Golub-Kahan, float64). A dense SVD of X itself would need documents x vocabulary doubles.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { Rng } from '../../model/rng';
import type { SparseRow } from './tfidf';

export interface TruncatedSvd {
  dims: number; // d
  embedding: Float64Array; // [n, d] row-major: U_d S_d, each document's coordinates
  singularValues: Float64Array; // [d], descending
  components: Float64Array; // [d, columns] row-major: V_d^T, to place a new document (x V_d)
}

export interface SvdOptions {
  seed?: number;
  oversample?: number; // extra sketch columns; default 10 as scikit-learn
  powerIterations?: number; // default 5 (scikit-learn's for small ranks is 5 or 7)
}

/** How many dimensions discovery keeps: 100 as c-BTM, fewer when there are fewer documents or words (at most n - 1 and columns). */
export function svdDims(documents: number, columns: number, wanted = 100): number {
  return Math.max(1, Math.min(wanted, documents - 1, columns));
}

/** Column-major dense: cols[c] is column c, every column `length` long. */
type Columns = Float64Array[];

/** X [rows.length, columns] times M [columns, l], as [rows.length, l]. */
function times(rows: readonly SparseRow[], M: Columns): Columns {
  const out = M.map(() => new Float64Array(rows.length));
  rows.forEach(({ indices, values }, i) => {
    for (let c = 0; c < M.length; c++) {
      const m = M[c]!;
      let s = 0;
      for (let t = 0; t < indices.length; t++) s += values[t]! * m[indices[t]!]!;
      out[c]![i] = s;
    }
  });
  return out;
}

/** X^T [columns, n] times M [n, l], as [columns, l]. */
function transposeTimes(rows: readonly SparseRow[], columns: number, M: Columns): Columns {
  const out = M.map(() => new Float64Array(columns));
  rows.forEach(({ indices, values }, i) => {
    for (let c = 0; c < M.length; c++) {
      const o = out[c]!;
      const m = M[c]![i]!;
      if (m !== 0) for (let t = 0; t < indices.length; t++) o[indices[t]!]! += values[t]! * m;
    }
  });
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Thin QR by modified Gram-Schmidt, each column orthogonalised twice ("twice is enough", Giraud et al. 2005) so
 * Q is orthonormal to rounding; in place (A becomes Q), R [l, l] returned. A column with nothing left (rank below
 * l) becomes zero: Q R still equals A. Here rather than ml-matrix's QR, whose get/set per entry made the tall
 * [vocabulary, l] products the slowest step by far (tens of seconds on 2000 documents).
 */
function orthonormalise(A: Columns): Matrix {
  const R = new Matrix(A.length, A.length);
  A.forEach((col, c) => {
    const before = Math.sqrt(dot(col, col));
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        const q = A[p]!;
        const h = dot(q, col);
        R.set(p, c, R.get(p, c) + h);
        for (let i = 0; i < col.length; i++) col[i]! -= h * q[i]!;
      }
    }
    const norm = Math.sqrt(dot(col, col));
    if (norm <= 1e-12 * before || norm === 0) col.fill(0);
    else {
      R.set(c, c, norm);
      for (let i = 0; i < col.length; i++) col[i]! /= norm;
    }
  });
  return R;
}

/** The rank-`dims` truncated SVD of the sparse matrix whose rows are `rows` (each `columns` wide); deterministic for a seed. */
export function truncatedSvd(rows: readonly SparseRow[], columns: number, dims: number, options: SvdOptions = {}): TruncatedSvd {
  const n = rows.length;
  if (!Number.isInteger(dims) || dims < 1 || dims > Math.min(n, columns))
    throw new RangeError(`truncatedSvd: ${dims} dimensions do not fit ${n} rows x ${columns} columns`);
  const l = Math.min(dims + (options.oversample ?? 10), n, columns);
  const rng = new Rng(options.seed ?? 0, 'truncated-svd');
  const sketch: Columns = Array.from({ length: l }, () => new Float64Array(columns));
  for (let j = 0; j < columns; j++) for (let c = 0; c < l; c++) sketch[c]![j] = rng.normal();
  let Q = times(rows, sketch);
  orthonormalise(Q);
  // Power iterations Q <- orth(X X^T Q), re-orthonormalised on the document side only: the vocabulary side is
  // the tall one ([words, l], 10x the documents and more), and one step's squaring (s_1^2 / s_l^2) is well within
  // float64 for the top singular values this keeps.
  for (let it = 0; it < (options.powerIterations ?? 5); it++) {
    Q = times(rows, transposeTimes(rows, columns, Q));
    orthonormalise(Q);
  }
  // B = Q^T X [l, columns]. B^T = P R (thin QR) and R = U S W^T (small SVD) give B^T = (P U) S W^T, so
  // X ~ Q B = (Q W) S (P U)^T: the right singular vectors are P U, the singular values S.
  const P = transposeTimes(rows, columns, Q);
  const R = orthonormalise(P);
  const svd = new SingularValueDecomposition(R, { autoTranspose: true });
  const U = svd.leftSingularVectors; // [l, l]
  const S = svd.diagonal;
  const components = new Float64Array(dims * columns);
  for (let c = 0; c < dims; c++) {
    const v = components.subarray(c * columns, (c + 1) * columns);
    P.forEach((p, q) => {
      const u = U.get(q, c);
      if (u !== 0) for (let j = 0; j < columns; j++) v[j]! += p[j]! * u;
    });
    // A singular vector's sign is arbitrary: make its largest entry positive (scikit-learn's svd_flip on V), so a seed gives one answer.
    let big = 0;
    for (let j = 0; j < columns; j++) if (Math.abs(v[j]!) > Math.abs(big)) big = v[j]!;
    if (big < 0) for (let j = 0; j < columns; j++) v[j] = -v[j]!;
  }
  const embedding = new Float64Array(n * dims);
  rows.forEach((r, i) => {
    for (let c = 0; c < dims; c++) {
      let s = 0;
      for (let t = 0; t < r.indices.length; t++) s += r.values[t]! * components[c * columns + r.indices[t]!]!;
      embedding[i * dims + c] = s;
    }
  });
  return { dims, embedding, singularValues: Float64Array.from(S.slice(0, dims)), components };
}
