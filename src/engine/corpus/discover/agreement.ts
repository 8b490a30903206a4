// How well a clustering recovers known labels (the discovery experiment of bench suite `discover`: Brown genres
// mixed into one folder, clustered, scored against the genres they came from). Purity: the share of documents
// in their cluster's majority label. Adjusted Rand index (Hubert & Arabie 1985): pair agreement corrected for
// chance, 1 for the same partition (up to renaming), about 0 for a random one, negative when worse than chance.
// Written here because Grove has no statistics library in TypeScript; scikit-learn's adjusted_rand_score
// computes the same formula.
import { GroveError } from '../../../shared/api/errors';

/** The contingency table n[label][cluster] of two labelings of the same items, keyed by their values. */
export function contingency(labels: readonly (string | number)[], clusters: readonly (string | number)[]): number[][] {
  if (labels.length !== clusters.length)
    throw new GroveError(
      'bad_input',
      `Agreement: ${labels.length} labels for ${clusters.length} cluster assignments; give one of each per document.`,
    );
  const rowOf = new Map<string | number, number>();
  const colOf = new Map<string | number, number>();
  for (const l of labels) if (!rowOf.has(l)) rowOf.set(l, rowOf.size);
  for (const c of clusters) if (!colOf.has(c)) colOf.set(c, colOf.size);
  const table = Array.from({ length: rowOf.size }, () => new Array<number>(colOf.size).fill(0));
  labels.forEach((l, i) => table[rowOf.get(l)!]![colOf.get(clusters[i]!)!]!++);
  return table;
}

/** Share of items whose cluster's most frequent label is their own label: sum over clusters of its largest count, over n. */
export function purity(labels: readonly (string | number)[], clusters: readonly (string | number)[]): number {
  const table = contingency(labels, clusters);
  if (labels.length === 0) throw new GroveError('bad_input', 'Purity of no documents is undefined; give at least one.');
  const columns = table[0]!.length;
  let majority = 0;
  for (let c = 0; c < columns; c++) majority += Math.max(...table.map((row) => row[c]!));
  return majority / labels.length;
}

const pairs = (m: number): number => (m * (m - 1)) / 2;

/**
 * Adjusted Rand index: (index - expected) / (max - expected), with index = sum_ij C(n_ij, 2),
 * expected = sum_i C(a_i, 2) sum_j C(b_j, 2) / C(n, 2), max = (sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2.
 * Where max equals expected (both partitions trivial: one cluster, or all singletons) it is 1, as scikit-learn's.
 */
export function adjustedRandIndex(labels: readonly (string | number)[], clusters: readonly (string | number)[]): number {
  const table = contingency(labels, clusters);
  const n = labels.length;
  if (n < 2) throw new GroveError('bad_input', `The adjusted Rand index needs at least 2 documents (pairs of them); got ${n}.`);
  const index = table.reduce((s, row) => s + row.reduce((t, v) => t + pairs(v), 0), 0);
  const rowPairs = table.reduce((s, row) => s + pairs(row.reduce((a, b) => a + b, 0)), 0);
  const colPairs = table[0]!.reduce((s, _, c) => s + pairs(table.reduce((t, row) => t + row[c]!, 0)), 0);
  const expected = (rowPairs * colPairs) / pairs(n);
  const max = (rowPairs + colPairs) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}
