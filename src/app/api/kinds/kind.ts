// What the owner of the job queue knows about one kind of job: how the UI shows it, and what it writes
// to the catalog from the worker's records and result (workers never open the catalog).
import type { JobView } from '../../../shared/api/events';
import type { Catalog } from '../../catalog/catalog';
import type { JobKindName } from '../../jobs/kinds';
import type { Job } from '../../jobs/queue';
import { recordRunStep } from '../../catalog/runs';

export interface JobOwnerContext {
  catalog: Catalog;
  forestHome: string;
  /** Queues another job (a pipeline's next step) and starts the runner on it. */
  enqueue(kind: JobKindName, payload: unknown): Job;
  /** Pushes an event to every connected UI (training progress, say). */
  emit(event: import('../../../shared/api/events').GroveEvent): void;
}

export interface JobKind {
  /** The line the UI shows for the job. */
  label(job: Job): string;
  /** done of total, ETA and phase from the job's last progress report. */
  progress(job: Job): Pick<JobView, 'done' | 'total' | 'etaSeconds'> & Partial<Pick<JobView, 'phase' | 'runId'>>;
  /** A progress report just arrived (before it is stored as the job's progress). */
  onProgress?(job: Job, progress: unknown, ctx: JobOwnerContext): void;
  /** A record from the worker: a fact to write to the catalog now. Throwing fails the job. */
  onRecord?(job: Job, record: unknown, ctx: JobOwnerContext): void;
  /** The handler's result, before the job is marked done. Throwing fails the job. */
  onResult?(job: Job, result: unknown, ctx: JobOwnerContext): void;
  /** The job stopped: done, failed, cancelled or paused (read job.status). */
  onFinished?(job: Job, ctx: JobOwnerContext): void;
}

/** Fraction-style progress for a job that reports { done, total, etaSeconds? }. */
export function countedProgress(job: Job): Pick<JobView, 'done' | 'total' | 'etaSeconds'> {
  const p = (job.progress ?? {}) as { done?: number; total?: number; etaSeconds?: number | null };
  const total = Math.max(1, p.total ?? 1);
  return { done: job.status === 'done' ? total : Math.min(total, p.done ?? 0), total, etaSeconds: p.etaSeconds ?? null };
}

/** A training step reported by a job's worker: the run's position and loss curve in the catalog, and the live event. */
export function recordTrainStep(
  ctx: Pick<JobOwnerContext, 'catalog' | 'emit'>,
  runId: number,
  train: import('../../../shared/api/events').TrainProgress,
): void {
  recordRunStep(ctx.catalog, runId, train);
  ctx.emit({ type: 'train.progress', runId, progress: train });
}
