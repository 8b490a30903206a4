// The fitted clusterer of a discovery (c-BTM): what places any text among the clusters exactly as discovery placed
// its documents. TF-IDF weights over the discovery's vocabulary (the same words, stop words and idf), the row
// scaled to unit length, projected on the truncated SVD's components, scaled to unit length again; then the
// squared distance to each cluster centre. Routing (forest/cluster-routing.ts) turns those distances into expert
// weights without running any expert.
import { GroveError } from '../../../shared/api/errors';
import { words } from './tfidf';

export interface Clusterer {
  vocabulary: readonly string[]; // column j's word
  idf: Float64Array; // [V]
  dims: number; // D
  components: Float64Array; // [D, V] row-major: V_d^T of the truncated SVD
  centres: readonly Float64Array[]; // one [D] centre per cluster, in the order the clusters were printed and named
}

/** A text's point in the clusterer's space: unit-length TF-IDF, projected, unit length (the origin when it has none of the words). */
export function embedText(text: string, clusterer: Clusterer, column: ReadonlyMap<string, number> = columnsOf(clusterer)): Float64Array {
  const V = clusterer.vocabulary.length;
  const D = clusterer.dims;
  if (clusterer.components.length !== D * V || clusterer.idf.length !== V) {
    throw new GroveError(
      'bad_input',
      `The clusterer is inconsistent: ${clusterer.components.length} component values and ${clusterer.idf.length} idf weights for ${D} dimensions x ${V} words. Run the discovery again.`,
    );
  }
  const counts = new Map<number, number>();
  for (const w of words(text)) {
    const j = column.get(w);
    if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
  }
  let norm = 0;
  for (const [j, c] of counts) norm += (c * clusterer.idf[j]!) ** 2;
  norm = Math.sqrt(norm);
  const point = new Float64Array(D);
  if (norm === 0) return point;
  for (const [j, c] of counts) {
    const x = (c * clusterer.idf[j]!) / norm;
    for (let d = 0; d < D; d++) point[d]! += clusterer.components[d * V + j]! * x;
  }
  const length = Math.hypot(...point);
  if (length > 0) for (let d = 0; d < D; d++) point[d]! /= length;
  return point;
}

/** word -> column, to embed many texts with one lookup table. */
export function columnsOf(clusterer: Clusterer): Map<string, number> {
  return new Map(clusterer.vocabulary.map((w, j) => [w, j]));
}
