// Balanced k-means (c-BTM's step 3): clusters of equal size, so that each expert trains on as much text as the
// others (Gururangan et al. 2023 balance the clusters for the same reason). Lloyd's iterations with a balanced
// assignment step: every (point, centre) pair in order of increasing squared distance, a point taking the first
// centre that has room, where room is ceil(n/k) for n mod k of the clusters and floor(n/k) for the rest (the
// capacities sum to n, so every point finds one). Sizes are therefore floor(n/k) or ceil(n/k), always.
// A greedy assignment, not the exact transport solution: it is O(nk log nk) against the Hungarian O(n^3), and
// a few dozen lines. Seeded k-means++ starts, several restarts, the lowest inertia kept: deterministic per seed.
import { Rng } from '../../model/rng';

export interface Clustering {
  k: number;
  assignment: Int32Array; // [n]: each point's cluster
  centres: Float64Array; // [k, d] row-major
  sizes: number[]; // [k]
  inertia: number; // sum of squared distances to the assigned centre
}

export interface KMeansOptions {
  seed?: number;
  restarts?: number; // default 4
  maxIterations?: number; // default 100; stops earlier when no point moves
}

/**
 * The k Grove suggests for n documents when the person names none: sqrt(n / 2) rounded (the usual rule of thumb
 * for k-means), at least 2 and at most 8 (each cluster becomes an expert to train), and never over n.
 */
export function suggestK(documents: number): number {
  return Math.min(documents, Math.max(2, Math.min(8, Math.round(Math.sqrt(documents / 2)))));
}

function squaredDistance(points: Float64Array, i: number, centres: Float64Array, c: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = points[i * d + t]! - centres[c * d + t]!;
    s += diff * diff;
  }
  return s;
}

/** k-means++ (Arthur & Vassilvitskii 2007): each next centre a point drawn with probability proportional to its squared distance to the nearest centre so far. */
function plusPlus(points: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const centres = new Float64Array(k * d);
  const first = Math.floor(rng.uniform() * n);
  centres.set(points.subarray(first * d, first * d + d), 0);
  const nearest = Float64Array.from({ length: n }, (_, i) => squaredDistance(points, i, centres, 0, d));
  for (let c = 1; c < k; c++) {
    const total = nearest.reduce((a, b) => a + b, 0);
    let pick = n - 1;
    if (total > 0) {
      let r = rng.uniform() * total;
      for (let i = 0; i < n; i++) {
        r -= nearest[i]!;
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else pick = Math.floor(rng.uniform() * n);
    centres.set(points.subarray(pick * d, pick * d + d), c * d);
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i]!, squaredDistance(points, i, centres, c, d));
  }
  return centres;
}

/** The balanced assignment of the points to fixed centres (see the header); ties go to the lower point, then the lower centre. */
export function balancedAssign(points: Float64Array, n: number, d: number, centres: Float64Array, k: number): Int32Array {
  const pairs: { i: number; c: number; dist: number }[] = [];
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) pairs.push({ i, c, dist: squaredDistance(points, i, centres, c, d) });
  pairs.sort((a, b) => a.dist - b.dist || a.i - b.i || a.c - b.c);
  const small = Math.floor(n / k);
  let bigLeft = n % k; // how many clusters may still grow to small + 1
  const sizes = new Array<number>(k).fill(0);
  const assignment = new Int32Array(n).fill(-1);
  let left = n;
  for (const { i, c } of pairs) {
    if (left === 0) break;
    if (assignment[i] !== -1) continue;
    if (sizes[c]! < small || (sizes[c] === small && bigLeft > 0)) {
      if (sizes[c] === small) bigLeft--;
      sizes[c]!++;
      assignment[i] = c;
      left--;
    }
  }
  return assignment;
}

function inertiaOf(points: Float64Array, d: number, centres: Float64Array, assignment: Int32Array): number {
  let s = 0;
  assignment.forEach((c, i) => (s += squaredDistance(points, i, centres, c, d)));
  return s;
}

function meansOf(points: Float64Array, n: number, d: number, k: number, assignment: Int32Array, previous: Float64Array): Float64Array {
  const centres = new Float64Array(k * d);
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const c = assignment[i]!;
    sizes[c]!++;
    for (let t = 0; t < d; t++) centres[c * d + t]! += points[i * d + t]!;
  }
  for (let c = 0; c < k; c++) {
    if (sizes[c] === 0)
      centres.set(previous.subarray(c * d, c * d + d), c * d); // only when k > n, which balancedKMeans refuses
    else for (let t = 0; t < d; t++) centres[c * d + t]! /= sizes[c]!;
  }
  return centres;
}

/** Balanced k-means of n points of d dimensions (row-major); deterministic for a seed. */
export function balancedKMeans(points: Float64Array, n: number, d: number, k: number, options: KMeansOptions = {}): Clustering {
  if (points.length !== n * d) throw new RangeError(`balancedKMeans: ${points.length} values are not ${n} points of ${d} dimensions`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`balancedKMeans: k = ${k} must be an integer from 1 to the ${n} points`);
  let best: Clustering | undefined;
  for (let restart = 0; restart < (options.restarts ?? 4); restart++) {
    const rng = new Rng(options.seed ?? 0, `balanced-kmeans/${restart}`);
    let centres = plusPlus(points, n, d, k, rng);
    let assignment = balancedAssign(points, n, d, centres, k);
    for (let it = 0; it < (options.maxIterations ?? 100); it++) {
      centres = meansOf(points, n, d, k, assignment, centres);
      const next = balancedAssign(points, n, d, centres, k);
      const moved = next.some((c, i) => c !== assignment[i]);
      assignment = next;
      if (!moved) break;
    }
    centres = meansOf(points, n, d, k, assignment, centres);
    const inertia = inertiaOf(points, d, centres, assignment);
    if (!best || inertia < best.inertia) {
      const sizes = new Array<number>(k).fill(0);
      for (const c of assignment) sizes[c]!++;
      best = { k, assignment, centres, sizes, inertia };
    }
  }
  return best!;
}
