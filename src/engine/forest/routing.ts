// c-BTM routing without any expert forward pass (Gururangan et al. 2023, "Scaling Expert Language Models
// with Unsupervised Domain Discovery", section 2.3): embed the context with the clusterer's TF-IDF (and
// its truncated SVD, when it has one), then w_j = softmax_j(-||e - c_j||^2 / T), T = 0.1, over the
// experts' cluster centres; optionally the top-k, renormalised.
import { GroveError } from '../../shared/api/errors';
import { logSumExp, restrictLogWeightsToTopK } from './distribution';

export const DEFAULT_ROUTING_TEMPERATURE = 0.1;

/** A fitted TF-IDF vectoriser (scikit-learn's TfidfVectorizer defaults: raw counts, smooth idf, L2). */
export interface TfidfModel {
  /** term -> column */
  vocabulary: ReadonlyMap<string, number>;
  /** [V] idf_v = ln((1 + n) / (1 + df_v)) + 1 */
  idf: Float64Array;
  /** Truncated SVD projection, [D, V] row-major (D = 100 in c-BTM); absent: route in TF-IDF space. */
  components?: Float64Array;
  dims?: number;
}

/** Lower-cased words of two or more letters, digits or underscores (scikit-learn's default pattern). */
export function terms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? [];
}

/** Fits vocabulary (sorted terms, as scikit-learn orders columns) and smoothed idf on documents. */
export function fitTfidf(documents: readonly string[]): TfidfModel {
  if (documents.length === 0) throw new GroveError('bad_input', 'tf-idf: no documents to fit on. Give the clusterer at least one document.');
  const df = new Map<string, number>();
  for (const doc of documents) for (const t of new Set(terms(doc))) df.set(t, (df.get(t) ?? 0) + 1);
  const sorted = [...df.keys()].sort();
  const vocabulary = new Map(sorted.map((t, i) => [t, i]));
  const n = documents.length;
  const idf = Float64Array.from(sorted, (t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1);
  return { vocabulary, idf };
}

/** The context's embedding: L2-normalised TF-IDF, projected by the SVD components when present. */
export function embedContext(text: string, model: TfidfModel): Float64Array {
  const V = model.idf.length;
  const counts = new Map<number, number>();
  for (const t of terms(text)) {
    const v = model.vocabulary.get(t);
    if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let norm = 0;
  for (const [v, c] of counts) norm += (c * model.idf[v]!) ** 2;
  norm = Math.sqrt(norm) || 1; // a context with no known term embeds at the origin
  if (!model.components) {
    const dense = new Float64Array(V);
    for (const [v, c] of counts) dense[v] = (c * model.idf[v]!) / norm;
    return dense;
  }
  const D = model.dims ?? model.components.length / V;
  if (!Number.isInteger(D) || D * V !== model.components.length) {
    throw new GroveError('bad_input', `routing: the SVD components hold ${model.components.length} values, not dims x ${V} terms. Refit the clusterer.`);
  }
  const out = new Float64Array(D); // [D] = components [D, V] · tfidf [V], over the context's terms only
  for (const [v, c] of counts) {
    const x = (c * model.idf[v]!) / norm;
    for (let d = 0; d < D; d++) out[d]! += model.components[d * V + v]! * x;
  }
  return out;
}

/** w_j = softmax_j(-||e - c_j||^2 / T), then the k largest renormalised; sums to 1. */
export function routeWeights(embedding: ArrayLike<number>, centres: readonly ArrayLike<number>[], options: { temperature?: number; topK?: number } = {}): Float64Array {
  const T = options.temperature ?? DEFAULT_ROUTING_TEMPERATURE;
  if (!(T > 0 && Number.isFinite(T))) throw new GroveError('bad_input', `routing: temperature is ${T}; it must be a finite number > 0 (c-BTM uses 0.1).`, { temperature: T });
  if (centres.length === 0) throw new GroveError('bad_input', 'routing: no cluster centres. Route over a forest whose experts have centres.');
  const logits = new Float64Array(centres.length);
  centres.forEach((c, j) => {
    if (c.length !== embedding.length) {
      throw new GroveError('bad_input', `routing: centre ${j} has ${c.length} dimensions but the embedding has ${embedding.length}. Embed with the clusterer that made the centres.`, { centre: j });
    }
    let d2 = 0;
    for (let i = 0; i < c.length; i++) d2 += (embedding[i]! - c[i]!) ** 2;
    logits[j] = -d2 / T;
  });
  const z = logSumExp(logits);
  for (let j = 0; j < logits.length; j++) logits[j]! -= z;
  if (options.topK !== undefined) restrictLogWeightsToTopK(logits, options.topK);
  return logits.map(Math.exp);
}
