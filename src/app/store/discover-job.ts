// The 'discover' job kind (issue 18): in a worker, the folder is ingested once (incrementally, into the
// discovery's own folder: store/discover-dir.ts), its documents read back from the shards and clustered; the
// clusters (with their members) and the clusterer are written beside the ingest, the first for the person to
// name, the second for routing. The payload is checked where it is written (the service) and here.
import { mkdir } from 'node:fs/promises';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import type { DiscoveryView } from '../../shared/api/schemas-discover';
import { writeFileDurable } from '../../engine/durable-write';
import { saveClustererAt } from '../forest/clusterer-store';
import { discoverIngestDir, discoveryFile } from './discover-dir';
import { loadTokenizer } from '../../engine/tokenize/load';
import { ingestFolder } from '../../engine/corpus/ingest';
import { corpusTokenizer, type IngestProgress } from '../../engine/corpus/types';
import { discoverDomains, type DiscoveredCluster } from '../../engine/corpus/discover/discover';
import { ingestedDocuments } from '../../engine/corpus/discover/documents';

export const DiscoverJobPayload = z
  .object({
    folder: z.string().min(1),
    dir: z.string().min(1), // discoverDir(home, folder)
    tokenizer: z.string().min(1),
    k: z.number().int().min(2).optional(),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();
export type DiscoverJobPayload = z.input<typeof DiscoverJobPayload>;

/** The progress the job reports: the ingest's while it reads the folder, then the clustering phase. */
export type DiscoverProgress = (IngestProgress & { stage: 'ingest' }) | { stage: 'cluster' };

/** What discovery.json keeps: the view, and each cluster's members (for growing its domain). */
export interface StoredDiscovery extends DiscoveryView {
  members: DiscoveredCluster['members'][];
}

export async function runDiscoverJob(
  payload: unknown,
  signal: AbortSignal,
  onProgress: (p: DiscoverProgress) => void,
): Promise<DiscoveryView> {
  const r = DiscoverJobPayload.safeParse(payload);
  if (!r.success)
    throw new GroveError(
      'bad_input',
      `Bad discover job payload: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const { folder, dir, k, seed } = r.data;
  const tokenizer = await loadTokenizer(r.data.tokenizer);
  await mkdir(dir, { recursive: true });
  const ingestDir = discoverIngestDir(dir);
  await ingestFolder({
    folder,
    out: ingestDir,
    tokenizer: corpusTokenizer(tokenizer),
    signal,
    onProgress: (p) => onProgress({ ...p, stage: 'ingest' }),
  });
  onProgress({ stage: 'cluster' });
  const documents = await ingestedDocuments(ingestDir, (ids) => tokenizer.decode(ids));
  const discovery = discoverDomains(documents, { ...(k !== undefined ? { k } : {}), seed });
  const view: DiscoveryView = {
    folder,
    documents: documents.length,
    k: discovery.k,
    kRule: discovery.kRule,
    dims: discovery.dims,
    clusters: discovery.clusters.map((c) => ({ size: c.size, tokens: c.tokens, topTerms: c.topTerms, examples: c.examples })),
    createdAt: new Date().toISOString(),
  };
  const stored: StoredDiscovery = { ...view, members: discovery.clusters.map((c) => c.members) };
  // No expert yet: growing the clusters makes this the forest's clusterer, with the expert of each (discover-calls.ts).
  await saveClustererAt(dir, { clusterer: discovery.clusterer, experts: discovery.clusters.map(() => null) });
  await writeFileDurable(discoveryFile(dir), JSON.stringify(stored));
  return view;
}
