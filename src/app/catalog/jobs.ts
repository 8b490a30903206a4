// Catalog rows for the persistent job queue (table `jobs`): what jobs/queue.ts reads and writes, one
// statement each. The queue decides which transitions are allowed and groups them in transactions; a
// job's payload and progress are stored as JSON.
import type { ProcessIdentity } from '../../engine/process-alive';
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export type JobStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export interface JobRow {
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

/** A running job's owner: the process that claimed it (pid and start time, null where unknown). */
export interface JobOwner {
  id: number;
  ownerPid: number | null;
  ownerStart: string | null;
}

const touch = "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** A new queued job; returns its id. */
export function insertJob(catalog: Catalog, kind: string, payload: unknown): number {
  return Number(
    databaseOf(catalog).prepare("INSERT INTO jobs (kind, payload_json, status) VALUES (?, ?, 'queued')").run(kind, JSON.stringify(payload))
      .lastInsertRowid,
  );
}

export function jobRow(catalog: Catalog, id: number): JobRow | null {
  return (databaseOf(catalog).prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined) ?? null;
}

/** Every job, oldest first. */
export function jobRows(catalog: Catalog): JobRow[] {
  return databaseOf(catalog).prepare('SELECT * FROM jobs ORDER BY id').all() as JobRow[];
}

/** The oldest queued job, or null when the queue is empty. */
export function oldestQueuedJob(catalog: Catalog): JobRow | null {
  return (
    (databaseOf(catalog).prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1").get() as JobRow | undefined) ?? null
  );
}

/** Marks a job running for the process `owner`, counting the attempt. */
export function markJobRunning(catalog: Catalog, id: number, owner: ProcessIdentity): void {
  databaseOf(catalog)
    .prepare(`UPDATE jobs SET status = 'running', owner_pid = ?, owner_start = ?, attempts = attempts + 1, ${touch} WHERE id = ?`)
    .run(owner.pid, owner.startTime, id);
}

export function setJobProgress(catalog: Catalog, id: number, progress: unknown): void {
  databaseOf(catalog).prepare(`UPDATE jobs SET progress_json = ?, ${touch} WHERE id = ?`).run(JSON.stringify(progress), id);
}

export function setJobStatus(catalog: Catalog, id: number, status: JobStatus, error: string | null): void {
  databaseOf(catalog).prepare(`UPDATE jobs SET status = ?, error = ?, ${touch} WHERE id = ?`).run(status, error, id);
}

/** Replaces a job's payload (a download's access token is dropped from it when the job ends). */
export function setJobPayload(catalog: Catalog, id: number, payload: unknown): void {
  databaseOf(catalog).prepare('UPDATE jobs SET payload_json = ? WHERE id = ?').run(JSON.stringify(payload), id);
}

/** The owners of every job marked running. */
export function runningJobOwners(catalog: Catalog): JobOwner[] {
  return databaseOf(catalog)
    .prepare("SELECT id, owner_pid AS ownerPid, owner_start AS ownerStart FROM jobs WHERE status = 'running'")
    .all() as JobOwner[];
}

/** Puts a job that is still marked running back in the queue, without an owner. */
export function requeueRunningJob(catalog: Catalog, id: number): void {
  databaseOf(catalog)
    .prepare(`UPDATE jobs SET status = 'queued', owner_pid = NULL, owner_start = NULL, ${touch} WHERE id = ? AND status = 'running'`)
    .run(id);
}

/** The pid recorded for a job's owner; null when none is (or there is no such job). */
export function jobOwnerPid(catalog: Catalog, id: number): number | null {
  return (
    (databaseOf(catalog).prepare('SELECT owner_pid AS pid FROM jobs WHERE id = ?').get(id) as { pid: number | null } | undefined)?.pid ??
    null
  );
}
