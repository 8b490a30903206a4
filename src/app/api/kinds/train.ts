// Bare training runs (train/train-job.ts) as the queue's owner sees them: a run folder trained from a model
// folder or a config on domain shards, with no catalog rows. The expert and seed jobs run the same body inside
// their own workers; this kind is for tools and tests that train outside a forest (and resume after a crash).
import type { TrainProgress } from '../../../shared/api/events';
import type { JobKind } from './kind';

export const trainKind: JobKind = {
  label: (job) => `Train ${(job.payload as { runDir?: string }).runDir ?? '?'}`,
  progress(job) {
    const p = job.progress as Partial<TrainProgress> | null;
    const total = Math.max(1, p?.totalSteps ?? 1);
    return { done: job.status === 'done' ? total : Math.min(total, p?.step ?? 0), total, etaSeconds: p?.etaSeconds ?? null };
  },
};
