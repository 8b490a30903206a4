// The persistent job queue (catalog table `jobs`): long work (ingest, train, evaluate, collapse) is queued
// here, run by a worker process, and survives restarts: a job found 'running' whose owner is gone (a crash,
// a quit, a SIGKILLed CLI) was interrupted, and goes back to the queue to resume from its last checkpoint.
// The owner is the process that claimed the job, recorded by pid and start time (so a reused pid does not
// keep a dead owner's job 'running'); while it lives (another Grove process on the same forest home, e.g.
// the CLI beside the app), the job is that process's business.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { identityAlive, thisProcess } from '../process-alive';

export type JobStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface Job<P = unknown> {
  id: number;
  kind: string;
  payload: P;
  status: JobStatus;
  progress: unknown;
  error: string | null;
  attempts: number;
}

interface JobRow {
  id: number;
  kind: string;
  payload_json: string;
  status: JobStatus;
  progress_json: string | null;
  error: string | null;
  attempts: number;
  owner_pid: number | null;
  owner_start: string | null;
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

  private get db() {
    return this.catalog.db;
  }

  enqueue(kind: string, payload: unknown): Job {
    const id = Number(this.db.prepare("INSERT INTO jobs (kind, payload_json, status) VALUES (?, ?, 'queued')").run(kind, JSON.stringify(payload)).lastInsertRowid);
    return this.get(id);
  }

  get(id: number): Job {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!row) throw new GroveError('not_found', `No job ${id}.`);
    return toJob(row);
  }

  list(statuses?: readonly JobStatus[]): Job[] {
    const rows = this.db.prepare('SELECT * FROM jobs ORDER BY id').all() as JobRow[];
    return rows.map(toJob).filter((j) => !statuses || statuses.includes(j.status));
  }

  /** Takes the oldest queued job and marks it running for this process, atomically (one claimer wins). */
  claimNext(): Job | null {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1").get() as JobRow | undefined;
      if (!row) return null;
      const me = thisProcess();
      this.db.prepare(`UPDATE jobs SET status = 'running', owner_pid = ?, owner_start = ?, attempts = attempts + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`).run(me.pid, me.startTime, row.id);
      return this.get(row.id);
    })();
  }

  reportProgress(id: number, progress: unknown): void {
    this.db.prepare(`UPDATE jobs SET progress_json = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`).run(JSON.stringify(progress), id);
  }

  private setStatus(id: number, status: JobStatus, from: readonly JobStatus[], error: string | null = null): Job {
    const job = this.get(id);
    if (!from.includes(job.status)) throw new GroveError('conflict', `Job ${id} is ${job.status}; it cannot become ${status}.`);
    this.db.prepare(`UPDATE jobs SET status = ?, error = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`).run(status, error, id);
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
    return this.db.transaction(() => {
      const rows = this.db.prepare("SELECT id, owner_pid, owner_start FROM jobs WHERE status = 'running'").all() as Pick<JobRow, 'id' | 'owner_pid' | 'owner_start'>[];
      // A job of this very process is live only if this process claimed it (not an earlier one with its pid).
      const interrupted = rows.filter((r) => r.owner_pid === null || !identityAlive({ pid: r.owner_pid, startTime: r.owner_start }));
      for (const r of interrupted) this.db.prepare(`UPDATE jobs SET status = 'queued', owner_pid = NULL, owner_start = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND status = 'running'`).run(r.id);
      return interrupted.map((r) => this.get(r.id));
    })();
  }

  /** The process running a job, for messages; null when none is recorded. */
  ownerPid(id: number): number | null {
    return (this.db.prepare('SELECT owner_pid AS pid FROM jobs WHERE id = ?').get(id) as { pid: number | null } | undefined)?.pid ?? null;
  }

  isFinished(id: number): boolean {
    return TERMINAL.includes(this.get(id).status);
  }
}
