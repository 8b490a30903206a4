// Hub jobs as the UI shows them (a download's bytes, speed, ETA and phase; an import's one step), and what the
// owner does when they end: records the prepared seed in the catalog, and forgets a download's access token.
import { setJobPayload } from '../../catalog/jobs';
import { formatBytes } from '../../../engine/hub/curated';
import type { DownloadJobPayload, HubJobProgress, HubJobResult, ImportSeedJobPayload } from '../../store/hub-jobs';
import type { Job } from '../../jobs/queue';
import { recordSeed } from '../../store/init';
import type { JobKind, JobOwnerContext } from './kind';

/** After a download or import: the seed the worker prepared becomes the forest's (checked again: one seed per home). */
function recordPreparedSeed(_job: Job, result: unknown, { catalog, forestHome }: JobOwnerContext): void {
  const r = result as HubJobResult | null;
  if (r?.seed) recordSeed(catalog, forestHome, r.seed);
}

/** A download shows bytes of the total with its speed and ETA; the import that may follow is one step. */
export const downloadKind: JobKind = {
  label(job) {
    const payload = job.payload as Partial<DownloadJobPayload>;
    return `${payload.asSeed ? 'Download and plant' : 'Download'} “${payload.repoId ?? '?'}”`;
  },
  progress(job) {
    const p = job.progress as HubJobProgress | null;
    if (p?.phase === 'download') {
      const d = p.download;
      const total = Math.max(1, d.bytesTotal);
      const speed = d.bytesPerSecond > 0 ? ` · ${formatBytes(Math.round(d.bytesPerSecond))}/s` : '';
      return {
        done: job.status === 'done' ? total : Math.min(total, d.bytesDone),
        total,
        etaSeconds: d.etaSeconds,
        phase: `Downloading ${d.file} (file ${d.fileIndex + 1} of ${d.fileCount}) · ${formatBytes(d.bytesDone)} of ${formatBytes(d.bytesTotal)}${speed}`,
      };
    }
    const done = job.status === 'done' ? 1 : 0;
    return {
      done,
      total: 1,
      etaSeconds: null,
      phase: p?.phase === 'import' ? 'Storing the weights and the tokenizer' : 'Asking the Hub for the file list',
    };
  },
  onResult: recordPreparedSeed,
  // Whatever the ending, the access token a download was given does not stay in the catalog.
  onFinished(job, { catalog }) {
    if (job.status === 'paused' || !(job.payload as Partial<DownloadJobPayload>).token) return;
    const { token: _dropped, ...kept } = job.payload as DownloadJobPayload;
    setJobPayload(catalog, job.id, kept);
  },
};

export const importSeedKind: JobKind = {
  label: (job) => `Plant the seed from ${(job.payload as Partial<ImportSeedJobPayload>).folder ?? '?'}`,
  progress: (job) => ({ done: job.status === 'done' ? 1 : 0, total: 1, etaSeconds: null, phase: 'Storing the weights and the tokenizer' }),
  onResult: recordPreparedSeed,
};
