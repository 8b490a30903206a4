// Truncated SVD of the sparse TF-IDF matrix (c-BTM's step 2, scikit-learn's TruncatedSVD): each document becomes
// its coordinates on the top d right singular vectors, X V_d = U_d S_d. Randomized, as scikit-learn's default
// (Halko, Martinsson & Tropp 2011): a seeded Gaussian sketch of d + 10 columns, power iterations re-orthonormalised
// by QR, then the exact SVD of the small projected matrix. The sparse products are done here, on the rows as they
// are; the dense QR and SVD are ml-matrix's (already Grove's dependency for low-rank.ts; Householder QR,
// Golub-Kahan SVD, float64). A dense SVD of X itself would need documents x vocabulary doubles.
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
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

/** X [rows.length, columns] times M [columns, l] (row-major), as [rows.length, l]. */
function times(rows: readonly SparseRow[], M: Matrix): Matrix {
  const l = M.columns;
  const out = new Matrix(rows.length, l);
  rows.forEach((r, i) => {
    for (let t = 0; t < r.indices.length; t++) {
      const j = r.indices[t]!;
      const v = r.values[t]!;
      for (let c = 0; c < l; c++) out.set(i, c, out.get(i, c) + v * M.get(j, c));
    }
  });
  return out;
}

/** X^T [columns, n] times M [n, l], as [columns, l]. */
function transposeTimes(rows: readonly SparseRow[], columns: number, M: Matrix): Matrix {
  const l = M.columns;
  const out = new Matrix(columns, l);
  rows.forEach((r, i) => {
    for (let t = 0; t < r.indices.length; t++) {
      const j = r.indices[t]!;
      const v = r.values[t]!;
      for (let c = 0; c < l; c++) out.set(j, c, out.get(j, c) + v * M.get(i, c));
    }
  });
  return out;
}

function orthonormal(M: Matrix): Matrix {
  return new QrDecomposition(M).orthogonalMatrix;
}

/** The rank-`dims` truncated SVD of the sparse matrix whose rows are `rows` (each `columns` wide); deterministic for a seed. */
export function truncatedSvd(rows: readonly SparseRow[], columns: number, dims: number, options: SvdOptions = {}): TruncatedSvd {
  const n = rows.length;
  if (!Number.isInteger(dims) || dims < 1 || dims > Math.min(n, columns)) throw new RangeError(`truncatedSvd: ${dims} dimensions do not fit ${n} rows x ${columns} columns`);
  const l = Math.min(dims + (options.oversample ?? 10), n, columns);
  const rng = new Rng(options.seed ?? 0, 'truncated-svd');
  const sketch = new Matrix(columns, l);
  for (let j = 0; j < columns; j++) for (let c = 0; c < l; c++) sketch.set(j, c, rng.normal());
  let Q = orthonormal(times(rows, sketch));
  for (let it = 0; it < (options.powerIterations ?? 5); it++) Q = orthonormal(times(rows, orthonormal(transposeTimes(rows, columns, Q))));
  // B = Q^T X [l, columns]; its SVD B = W S Vt gives X ~ Q B = (Q W) S Vt. Decomposed as B^T = Vt^T S W^T (tall).
  const svd = new SingularValueDecomposition(transposeTimes(rows, columns, Q), { autoTranspose: true });
  const V = svd.leftSingularVectors; // [columns, l]
  const S = svd.diagonal;
  const components = new Float64Array(dims * columns);
  for (let c = 0; c < dims; c++) {
    // A singular vector's sign is arbitrary: make its largest entry positive (scikit-learn's svd_flip on V), so a seed gives one answer.
    let big = 0;
    for (let j = 0; j < columns; j++) if (Math.abs(V.get(j, c)) > Math.abs(big)) big = V.get(j, c);
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < columns; j++) components[c * columns + j] = sign * V.get(j, c);
  }
  const embedding = new Float64Array(n * dims);
  rows.forEach((r, i) => {
    for (let t = 0; t < r.indices.length; t++) {
      const j = r.indices[t]!;
      const v = r.values[t]!;
      for (let c = 0; c < dims; c++) embedding[i * dims + c]! += v * components[c * columns + j]!;
    }
  });
  return { dims, embedding, singularValues: Float64Array.from(S.slice(0, dims)), components };
}
