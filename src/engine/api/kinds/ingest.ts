// Ingest jobs: a folder becomes a domain's token shards in the worker; the report lands in the catalog.
import { saveIngestReport } from '../../catalog/domains';
import type { IngestProgress, IngestReport } from '../../corpus/types';
import type { JobKind } from './kind';

export interface IngestPayload {
  folder: string;
  out: string;
  tokenizer: string;
  domain: string;
}

export const ingestKind: JobKind = {
  label: (job) => `Ingest “${(job.payload as Partial<IngestPayload>).domain ?? '?'}”`,
  progress(job) {
    const p = (job.progress ?? {}) as Partial<IngestProgress>;
    const total = Math.max(1, p.bytesTotal ?? 1);
    return { done: job.status === 'done' ? total : (p.bytesDone ?? 0), total, etaSeconds: p.etaSeconds ?? null };
  },
  onResult(job, result, { catalog }) {
    saveIngestReport(catalog, (job.payload as IngestPayload).domain, result as IngestReport);
  },
};
