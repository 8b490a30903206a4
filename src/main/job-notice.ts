// Which job updates deserve an OS notification. Pure (no Electron) so it is tested in plain Node.
import type { JobView } from '../shared/api';

export interface JobNotice {
  title: string;
  body: string;
}

const ENDS: Partial<Record<JobView['status'], (job: JobView) => JobNotice>> = {
  done: (job) => ({ title: 'Grove: finished', body: job.label }),
  failed: (job) => ({ title: 'Grove: failed', body: `${job.label}: ${job.error ?? 'unknown error'}` }),
};

/**
 * The notice for a job update, or null. Only a change into done/failed counts (a job seen in that state
 * before, e.g. replayed after a restart, is not announced again); cancelling is the person's own act.
 */
export function jobNotice(previous: JobView['status'] | undefined, job: JobView): JobNotice | null {
  if (previous === job.status) return null;
  if (previous === undefined && job.status !== 'done' && job.status !== 'failed') return null;
  return ENDS[job.status]?.(job) ?? null;
}
