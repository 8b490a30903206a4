// GroveApi's domain discovery (issue 18, c-BTM): one unlabelled folder is ingested once and its documents
// clustered in a background job; the person then names, merges or drops the clusters, and one expert grows per
// kept group of clusters, each through the same new-expert path as a single folder (addDomain's).
import { z } from 'zod';
import { TrainOn } from './schemas-cluster';
import { DomainExpert } from './schemas-forest';
import { SafeName } from './names';

export const DiscoveredClusterView = z.object({
  size: z.number().int(), // documents
  tokens: z.number().int(),
  topTerms: z.array(z.string()),
  examples: z.array(z.object({ path: z.string(), title: z.string() })), // up to three, nearest the centre first
});

export const DiscoveryView = z.object({
  folder: z.string(),
  documents: z.number().int(),
  k: z.number().int(),
  /** 'suggested': k = sqrt(documents / 2) rounded, from 2 to 8 (and at most the documents). */
  kRule: z.enum(['chosen', 'suggested']),
  dims: z.number().int(),
  clusters: z.array(DiscoveredClusterView), // largest first: cluster i of the person's choices is clusters[i]
  createdAt: z.string(),
});

/** One domain to grow: its name and the clusters (indices into DiscoveryView.clusters) it is made of; two or more merge them. */
export const DiscoveredDomain = z.object({ name: SafeName, clusters: z.array(z.number().int().nonnegative()).min(1).max(64) }).strict();

/** The calls, merged into apiSchemas (discovery is a job: it uses the shared JobView). */
export function discoverSchemas<J extends z.ZodType>(JobView: J) {
  return {
    /** Queues the discovery job: ingest the folder once (incrementally), then cluster its documents into k (default: suggested). */
    discoverDomains: {
      input: z
        .object({
          folder: z.string().min(1).max(4096),
          k: z.number().int().min(2).max(64).optional(),
          seed: z.number().int().nonnegative().optional(),
        })
        .strict(),
      output: JobView,
    },
    /** The folder's last discovery; null before its job has finished. */
    discovery: { input: z.object({ folder: z.string().min(1).max(4096) }).strict(), output: DiscoveryView.nullable() },
    /**
     * Grows one expert per domain (clusters left out are dropped): each domain's documents are ingested from the
     * discovery's ingest (no file is read again) and its expert queued as addDomain does, with these settings.
     */
    growDiscovered: {
      input: z
        .object({
          folder: z.string().min(1).max(4096),
          domains: z.array(DiscoveredDomain).min(1).max(64),
          expert: DomainExpert.omit({ name: true }).optional(),
          /** Where the experts train (schemas-cluster.ts); the forest's "Train on" setting by default. On Slurm, as one job array. */
          on: TrainOn.optional(),
        })
        .strict(),
      output: z.array(JobView),
    },
  } as const;
}

export type DiscoveredClusterView = z.output<typeof DiscoveredClusterView>;
export type DiscoveryView = z.output<typeof DiscoveryView>;
export type DiscoveredDomain = z.output<typeof DiscoveredDomain>;
