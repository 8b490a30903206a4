// The discovery experiment's first half: the training documents of several Brown genres, pooled into one
// unlabelled set (the BTM benchmark's corpus: exactly the documents its random-split control deals out), are
// clustered by Grove's discovery (TF-IDF, truncated SVD, balanced k-means) and each clustering scored against the
// genres the documents came from: purity and adjusted Rand index, the table of genres by clusters, each cluster's
// top terms. The genre labels are read only here, for scoring; discovery never sees them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adjustedRandIndex, purity } from '../../engine/corpus/discover/agreement';
import { discoverDomains, type DiscoverDocument, type Discovery } from '../../engine/corpus/discover/discover';

export interface LabelledDocument extends DiscoverDocument {
  genre: string;
}

export interface ClusteringScore {
  k: number;
  dims: number;
  purity: number;
  ari: number;
  /** clusters[c]: its size, top terms and how many documents of each genre it holds. */
  clusters: { size: number; topTerms: string[]; genres: Record<string, number> }[];
  seconds: number;
}

/**
 * The pooled training documents of the BTM corpus in `work`: every file of its random-split folders (the training
 * genres' train splits, dealt out), each labelled by the genre folder that holds a file of its name.
 */
export function pooledTrainDocuments(work: string, genres: readonly string[]): LabelledDocument[] {
  const folders = join(work, 'folders');
  const docs: LabelledDocument[] = [];
  for (const part of readdirSync(folders)
    .filter((f) => f.startsWith('random-'))
    .sort()) {
    for (const file of readdirSync(join(folders, part)).sort()) {
      const genre = genres.find((g) => existsSync(join(folders, g, file)));
      if (!genre) throw new Error(`discover bench: ${part}/${file} is in no genre folder of ${genres.join(', ')}`);
      docs.push({ path: file, text: readFileSync(join(folders, part, file), 'utf8'), genre });
    }
  }
  return docs.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Discovery of k clusters on the documents, scored against their genres. */
export function scoreClustering(
  docs: readonly LabelledDocument[],
  k: number,
  seed: number,
): { discovery: Discovery; score: ClusteringScore } {
  const start = performance.now();
  const discovery = discoverDomains(docs, { k, seed });
  const seconds = (performance.now() - start) / 1000;
  const genreOf = new Map(docs.map((d) => [d.path, d.genre]));
  const clusterOf = new Map<string, number>();
  discovery.clusters.forEach((c, i) => c.members.forEach((m) => clusterOf.set(m, i)));
  const labels = docs.map((d) => d.genre);
  const assigned = docs.map((d) => clusterOf.get(d.path)!);
  const clusters = discovery.clusters.map((c) => {
    const genres: Record<string, number> = {};
    for (const m of c.members) genres[genreOf.get(m)!] = (genres[genreOf.get(m)!] ?? 0) + 1;
    return { size: c.size, topTerms: c.topTerms, genres };
  });
  return {
    discovery,
    score: { k, dims: discovery.dims, purity: purity(labels, assigned), ari: adjustedRandIndex(labels, assigned), clusters, seconds },
  };
}
