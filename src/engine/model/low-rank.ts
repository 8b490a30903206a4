// The best rank-r approximation (Eckart-Young: the truncated SVD) of a product D = B A given as its factors,
// B [out, R] and A [R, in], without forming D when R is the small side:
//   B = Q_B R_B, A^T = Q_A R_A (thin QR)  =>  D = Q_B (R_B R_A^T) Q_A^T,   R_B R_A^T = U S V^T (R x R SVD)
//   =>  D = (Q_B U) S (Q_A V)^T, whose singular values are S.
// The top r are kept and sqrt(S) is split evenly between the factors: B_r = Q_B U_r sqrt(S_r), A_r = sqrt(S_r)
// V_r^T Q_A^T, so D_r = B_r A_r. When R is not below both out and in, D is no larger than the factors and is
// decomposed directly. QR and SVD are ml-matrix's (Householder QR, Golub-Kahan SVD), in float64 throughout.
import { Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';

export interface TruncatedProduct {
  /** [out, r], row-major. Columns past the number of singular values (min(R, out, in)) are zero. */
  B: Float64Array;
  /** [r, in], row-major. Rows past the number of singular values are zero. */
  A: Float64Array;
  /** Every singular value of D, descending. */
  singularValues: Float64Array;
  /** ||D - D_r||_F / ||D||_F = sqrt(sum_{i >= r} S_i^2 / sum_i S_i^2); 0 when D = 0. */
  relativeError: number;
}

/** The truncated SVD of D = B A at rank r. B: [out, R], A: [R, in], both row-major. */
export function truncateProduct(
  B: Float64Array,
  A: Float64Array,
  shape: { out: number; inner: number; in: number },
  r: number,
): TruncatedProduct {
  const { out, inner: R, in: inn } = shape;
  if (B.length !== out * R || A.length !== R * inn)
    throw new RangeError(`truncateProduct: factors of ${B.length} and ${A.length} values do not fit [${out}, ${R}] x [${R}, ${inn}]`);
  if (!Number.isInteger(r) || r < 1) throw new RangeError(`truncateProduct: rank ${r} is not a positive integer`);
  const Bout = new Float64Array(out * r);
  const Aout = new Float64Array(r * inn);
  if (R === 0) return { B: Bout, A: Aout, singularValues: new Float64Array(0), relativeError: 0 };

  // left: [out, p] and right: [in, p] with orthonormal columns, S: [p], D = left diag(S) right^T.
  let left: Matrix;
  let right: Matrix;
  let S: number[];
  const Bm = Matrix.from1DArray(out, R, B);
  const Am = Matrix.from1DArray(R, inn, A);
  if (R <= out && R <= inn) {
    const qrB = new QrDecomposition(Bm);
    const qrA = new QrDecomposition(Am.transpose());
    const core = qrB.upperTriangularMatrix.mmul(qrA.upperTriangularMatrix.transpose());
    const svd = new SingularValueDecomposition(core);
    left = qrB.orthogonalMatrix.mmul(svd.leftSingularVectors);
    right = qrA.orthogonalMatrix.mmul(svd.rightSingularVectors);
    S = svd.diagonal;
  } else {
    const svd = new SingularValueDecomposition(Bm.mmul(Am), { autoTranspose: true });
    left = svd.leftSingularVectors;
    right = svd.rightSingularVectors;
    S = svd.diagonal;
  }

  const kept = Math.min(r, S.length);
  for (let i = 0; i < kept; i++) {
    const root = Math.sqrt(Math.max(S[i]!, 0));
    for (let o = 0; o < out; o++) Bout[o * r + i] = left.get(o, i) * root;
    for (let c = 0; c < inn; c++) Aout[i * inn + c] = right.get(c, i) * root;
  }
  let total = 0;
  let dropped = 0;
  S.forEach((s, i) => {
    total += s * s;
    if (i >= r) dropped += s * s;
  });
  return { B: Bout, A: Aout, singularValues: Float64Array.from(S), relativeError: total === 0 ? 0 : Math.sqrt(dropped / total) };
}
