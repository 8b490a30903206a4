// Discover jobs (issue 18): a folder ingested once, then its documents clustered; progress is the ingest's bytes,
// then one phase for the clustering. The clusters are written by the worker beside the ingest (discovery.json),
// where the service's `discovery` call reads them.
import { basename } from 'node:path';
import type { DiscoverJobPayload, DiscoverProgress } from '../../store/discover-job';
import type { JobKind } from './kind';

export const discoverKind: JobKind = {
  label: (job) => `Discover domains in “${basename((job.payload as Partial<DiscoverJobPayload>).folder ?? '?')}”`,
  progress(job) {
    const p = job.progress as DiscoverProgress | null;
    if (job.status === 'done') return { done: 1, total: 1, etaSeconds: null };
    if (p?.stage === 'cluster')
      return { done: 0.9, total: 1, etaSeconds: null, ...(job.status === 'running' ? { phase: 'Clustering the documents' } : {}) };
    const share = p && p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0;
    return {
      done: 0.9 * share,
      total: 1,
      etaSeconds: p?.etaSeconds ?? null,
      ...(job.status === 'running' ? { phase: 'Reading the folder' } : {}),
    };
  },
};
