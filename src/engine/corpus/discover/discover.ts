// Domain discovery end to end on texts in memory (c-BTM): TF-IDF, truncated SVD, unit-length rows, balanced
// k-means; each cluster described for a person to name: its size, the words that weigh most in it, the titles of
// the documents nearest its centre. Pure: the caller reads the documents (documents.ts) and prints or stores.
import { GroveError } from '../../../shared/api/errors';
import type { Clusterer } from './clusterer';
import { balancedKMeans, suggestK } from './kmeans';
import { svdDims, truncatedSvd } from './svd';
import { tfidf } from './tfidf';

export interface DiscoverDocument {
  path: string; // relative to the folder; identifies the document
  text: string;
  tokens?: number; // the tokens training will see of it, when read from an ingest (documents.ts)
}

export interface DiscoveredCluster {
  size: number;
  tokens: number; // sum of the members' tokens (0 when the documents carry none)
  topTerms: string[]; // the words of largest mean TF-IDF weight in the cluster, heaviest first
  examples: { path: string; title: string }[]; // up to three, nearest the centre first
  members: string[]; // paths, sorted
}

export interface Discovery {
  k: number;
  kRule: 'chosen' | 'suggested';
  dims: number;
  clusters: DiscoveredCluster[]; // largest first, then by first member: the numbering a person names them by
  /** What places a new text among the clusters (c-BTM routing): centres in the order of `clusters`. */
  clusterer: Clusterer;
}

export interface DiscoverOptions {
  k?: number; // default suggestK(documents)
  seed?: number;
  topTerms?: number; // default 8
}

/** A document's title: its first non-empty line, cut at 70 characters; the path when it has no text. */
export function titleOf(doc: DiscoverDocument): string {
  const line = doc.text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) return doc.path;
  return line.length > 70 ? `${line.slice(0, 69)}…` : line;
}

export function discoverDomains(documents: readonly DiscoverDocument[], options: DiscoverOptions = {}): Discovery {
  const n = documents.length;
  if (n < 2)
    throw new GroveError(
      'bad_input',
      `Discovery needs at least 2 documents to make clusters of, and the folder has ${n}; add documents, or ingest it as one domain with --domain NAME.`,
      { documents: n },
    );
  const k = options.k ?? suggestK(n);
  if (!Number.isInteger(k) || k < 2 || k > n)
    throw new GroveError(
      'bad_input',
      `k = ${k} cannot cluster ${n} documents: choose a whole number of clusters from 2 to ${n}, or leave k out for the suggestion (${suggestK(n)}).`,
      { k, documents: n },
    );
  const seed = options.seed ?? 0;
  const matrix = tfidf(documents.map((d) => d.text));
  if (matrix.vocabulary.length === 0)
    throw new GroveError(
      'bad_input',
      `The ${n} documents share no words to cluster them by; ingest the folder as one domain with --domain NAME.`,
      { documents: n },
    );
  const dims = svdDims(n, matrix.vocabulary.length);
  const svd = truncatedSvd(matrix.rows, matrix.vocabulary.length, dims, { seed });
  // Unit-length rows: documents compare by direction (topic), not by how much text weighs on the top dimensions.
  const points = svd.embedding.slice();
  for (let i = 0; i < n; i++) {
    const row = points.subarray(i * dims, (i + 1) * dims);
    const norm = Math.hypot(...row);
    if (norm > 0) for (let t = 0; t < dims; t++) row[t]! /= norm;
  }
  const clustering = balancedKMeans(points, n, dims, k, { seed });
  const clusters = Array.from({ length: k }, (_, c): DiscoveredCluster & { centre: Float64Array } => {
    const idx = [...clustering.assignment.keys()].filter((i) => clustering.assignment[i] === c);
    const weight = new Float64Array(matrix.vocabulary.length);
    for (const i of idx) matrix.rows[i]!.indices.forEach((j, t) => (weight[j]! += matrix.rows[i]!.values[t]!));
    const topTerms = [...weight.keys()]
      .filter((j) => weight[j]! > 0)
      .sort((a, b) => weight[b]! - weight[a]! || a - b)
      .slice(0, options.topTerms ?? 8)
      .map((j) => matrix.vocabulary[j]!);
    const distance = (i: number): number => {
      let s = 0;
      for (let t = 0; t < dims; t++) s += (points[i * dims + t]! - clustering.centres[c * dims + t]!) ** 2;
      return s;
    };
    const nearest = [...idx].sort((a, b) => distance(a) - distance(b) || a - b).slice(0, 3);
    return {
      size: idx.length,
      tokens: idx.reduce((sum, i) => sum + (documents[i]!.tokens ?? 0), 0),
      topTerms,
      examples: nearest.map((i) => ({ path: documents[i]!.path, title: titleOf(documents[i]!) })),
      members: idx.map((i) => documents[i]!.path).sort(),
      centre: clustering.centres.slice(c * dims, (c + 1) * dims),
    };
  });
  clusters.sort((a, b) => b.size - a.size || (a.members[0]! < b.members[0]! ? -1 : 1));
  const clusterer: Clusterer = {
    vocabulary: matrix.vocabulary,
    idf: matrix.idf,
    dims,
    components: svd.components,
    centres: clusters.map((c) => c.centre),
  };
  return {
    k,
    kRule: options.k === undefined ? 'suggested' : 'chosen',
    dims,
    clusters: clusters.map(({ centre: _centre, ...c }) => c),
    clusterer,
  };
}
