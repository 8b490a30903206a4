// TF-IDF document vectors for domain discovery (c-BTM, Gururangan et al. 2023, step 1 of TF-IDF -> truncated SVD
// -> balanced k-means). The weighting is scikit-learn's TfidfVectorizer default, the one c-BTM uses: raw counts
// times smoothed idf = ln((1 + n) / (1 + df)) + 1, each row scaled to unit length; English stop words dropped.
// Sparse rows, because a folder's vocabulary is tens of thousands of words and each document uses few of them.

/** Words too common to tell documents apart (a short English list: function words, not topic words). */
const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by can could ' +
    'did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into ' +
    'is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she ' +
    'should so some such than that the their theirs them themselves then there these they this those through to too under until up us very ' +
    'was we were what when where which while who whom why will with would you your yours yourself yourselves'
  ).split(' '),
);

/** The words of a text as TF-IDF counts them: runs of letters or digits, lower-cased, two characters or more, no stop words. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    if (w.length >= 2 && !STOP_WORDS.has(w)) out.push(w);
  }
  return out;
}

/** One document's vector: the column of each non-zero weight (ascending) and the weight. */
export interface SparseRow {
  indices: Int32Array;
  values: Float64Array;
}

export interface TfIdfMatrix {
  vocabulary: string[]; // column j's word
  idf: Float64Array; // column j's idf, for weighting a new document the same way
  rows: SparseRow[]; // one per document, unit length (or all zero when no word of it was kept)
}

export interface TfIdfOptions {
  /** Keep at most this many words, the ones in the most documents (ties: alphabetical). Default 20000. */
  maxTerms?: number;
  /** Drop words found in fewer documents. Default: 2 from ten documents on (a word of one document cannot group it with another), else 1. */
  minDocs?: number;
}

/** The TF-IDF matrix of `texts`, deterministic: the vocabulary is ordered by document frequency, then alphabetically. */
export function tfidf(texts: readonly string[], options: TfIdfOptions = {}): TfIdfMatrix {
  const n = texts.length;
  const maxTerms = options.maxTerms ?? 20000;
  const minDocs = options.minDocs ?? (n >= 10 ? 2 : 1);
  const counts = texts.map((t) => {
    const c = new Map<string, number>();
    for (const w of words(t)) c.set(w, (c.get(w) ?? 0) + 1);
    return c;
  });
  const df = new Map<string, number>();
  for (const c of counts) for (const w of c.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const vocabulary = [...df.entries()]
    .filter(([, d]) => d >= minDocs)
    .sort(([a, da], [b, db]) => db - da || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxTerms)
    .map(([w]) => w)
    .sort();
  const column = new Map(vocabulary.map((w, j) => [w, j]));
  const idf = Float64Array.from(vocabulary, (w) => Math.log((1 + n) / (1 + df.get(w)!)) + 1);
  const rows = counts.map((c): SparseRow => {
    const entries = [...c.entries()].flatMap(([w, k]) => {
      const j = column.get(w);
      return j === undefined ? [] : [[j, k * idf[j]!] as const];
    });
    entries.sort(([a], [b]) => a - b);
    const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0));
    return { indices: Int32Array.from(entries, ([j]) => j), values: Float64Array.from(entries, ([, v]) => (norm > 0 ? v / norm : 0)) };
  });
  return { vocabulary, idf, rows };
}
