// The persistent job queue (catalog table `jobs`): long work (ingest, train, evaluate, collapse) is queued
// here, run by a worker process, and survives restarts: a job found 'running' whose owner is gone (a crash,
// a quit, a SIGKILLed CLI) was interrupted, and goes back to the queue to resume from its last checkpoint.
// The owner is the process that claimed the job, recorded by pid and start time (so a reused pid does not
// keep a dead owner's job 'running'); while it lives (another Grove process on the same forest home, e.g.
// the CLI beside the app), the job is that process's business.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import {
  insertJob,
  jobOwnerPid,
  jobRow,
  jobRows,
  markJobRunning,
  oldestQueuedJob,
  requeueRunningJob,
  runningJobOwners,
  setJobProgress,
  setJobStatus,
  type JobRow,
  type JobStatus,
} from '../catalog/jobs';
import { identityAlive, thisProcess } from '../../engine/process-alive';

export type { JobStatus };

export interface Job<P = unknown> {
  id: number;
  kind: string;
  payload: P;
  status: JobStatus;
  progress: unknown;
  error: string | null;
  attempts: number;
}

const TERMINAL: readonly JobStatus[] = ['done', 'failed', 'cancelled'];

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    payload: JSON.parse(row.payload_json) as unknown,
    status: row.status,
    progress: row.progress_json === null ? null : (JSON.parse(row.progress_json) as unknown),
    error: row.error,
    attempts: row.attempts,
  };
}

export class JobQueue {
  constructor(private readonly catalog: Catalog) {}

  enqueue(kind: string, payload: unknown): Job {
    return this.get(insertJob(this.catalog, kind, payload));
  }

  get(id: number): Job {
    const row = jobRow(this.catalog, id);
    if (!row) throw new GroveError('not_found', `No job ${id}.`);
    return toJob(row);
  }

  list(statuses?: readonly JobStatus[]): Job[] {
    return jobRows(this.catalog)
      .map(toJob)
      .filter((j) => !statuses || statuses.includes(j.status));
  }

  /** Takes the oldest queued job and marks it running for this process, atomically (one claimer wins). */
  claimNext(): Job | null {
    return this.catalog.transaction(() => {
      const row = oldestQueuedJob(this.catalog);
      if (!row) return null;
      markJobRunning(this.catalog, row.id, thisProcess());
      return this.get(row.id);
    });
  }

  reportProgress(id: number, progress: unknown): void {
    setJobProgress(this.catalog, id, progress);
  }

  private setStatus(id: number, status: JobStatus, from: readonly JobStatus[], error: string | null = null): Job {
    const job = this.get(id);
    if (!from.includes(job.status)) throw new GroveError('conflict', `Job ${id} is ${job.status}; it cannot become ${status}.`);
    setJobStatus(this.catalog, id, status, error);
    return this.get(id);
  }

  complete(id: number): Job {
    return this.setStatus(id, 'done', ['running']);
  }

  fail(id: number, error: string): Job {
    return this.setStatus(id, 'failed', ['running'], error);
  }

  cancel(id: number): Job {
    return this.setStatus(id, 'cancelled', ['queued', 'running', 'paused']);
  }

  pause(id: number): Job {
    return this.setStatus(id, 'paused', ['queued', 'running']);
  }

  /** Puts a paused or failed job back in the queue; it resumes from its last checkpoint. */
  resume(id: number): Job {
    return this.setStatus(id, 'queued', ['paused', 'failed']);
  }

  /**
   * Jobs left 'running' by a process that is gone were interrupted (crash, kill, quit) and are queued
   * again; a job whose owner still runs is that process's business. Called at start-up and by every job
   * command before it reads or changes the queue, so a dead owner's job never looks alive.
   */
  recoverInterrupted(): Job[] {
    return this.catalog.transaction(() => {
      // A job of this very process is live only if this process claimed it (not an earlier one with its pid).
      const interrupted = runningJobOwners(this.catalog).filter(
        (r) => r.ownerPid === null || !identityAlive({ pid: r.ownerPid, startTime: r.ownerStart }),
      );
      for (const r of interrupted) requeueRunningJob(this.catalog, r.id);
      return interrupted.map((r) => this.get(r.id));
    });
  }

  /** The process running a job, for messages; null when none is recorded. */
  ownerPid(id: number): number | null {
    return jobOwnerPid(this.catalog, id);
  }

  isFinished(id: number): boolean {
    return TERMINAL.includes(this.get(id).status);
  }
}
