// Quitting without losing work: before the app closes, every running job is paused (a training checkpoints
// first) and remembered; on the next start those jobs are resumed from their checkpoints. No Electron
// import: the main process wires it to `before-quit`, and the tests run it against a real engine.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurableSync } from '../engine/durable-write';
import type { GroveApi, JobView } from '../shared/api';

const RESUME_FILE = 'resume-on-start.json';

export interface CheckpointOptions {
  /** How long to wait for the running jobs to stop, in all; a job still running then is recovered from its last checkpoint at the next start. */
  timeoutMs?: number;
}

/** Waits for a job update that `done` accepts, or for the deadline; resolves with the update or null. */
function waitForJob(api: GroveApi, id: number, done: (job: JobView) => boolean, deadline: number): Promise<JobView | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(null), Math.max(0, deadline - Date.now()));
    const off = api.onEvent((e) => {
      if (e.type === 'job.changed' && e.job.id === id && done(e.job)) finish(e.job);
    });
    function finish(job: JobView | null): void {
      clearTimeout(timer);
      off();
      resolve(job);
    }
    // The job may have stopped before the listener was in place.
    void api.jobs({}).then((jobs) => {
      const now = jobs.find((j) => j.id === id);
      if (now && done(now)) finish(now);
    });
  });
}

/**
 * Pauses whatever runs (the queue may start the next job when one pauses: that one is paused too) and
 * returns the ids of the jobs it paused, for resumeAfterRestart. Queued jobs stay queued.
 */
export async function checkpointRunningJobs(api: GroveApi, options: CheckpointOptions = {}): Promise<number[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const paused: number[] = [];
  for (;;) {
    const running = (await api.jobs({})).find((j) => j.status === 'running' && !paused.includes(j.id));
    if (!running || Date.now() >= deadline) return paused;
    try {
      await api.pauseJob({ id: running.id });
    } catch {
      // It ended meanwhile: nothing to keep.
      continue;
    }
    const stopped = await waitForJob(api, running.id, (j) => j.status !== 'running', deadline);
    if (stopped?.status === 'paused') paused.push(running.id);
    else if (!stopped) return paused;
  }
}

export function saveResumeList(dir: string, ids: readonly number[]): void {
  const file = join(dir, RESUME_FILE);
  if (ids.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileDurableSync(file, JSON.stringify({ jobs: ids }));
}

/** Resumes the jobs the last quit paused (those still paused: the person may have cancelled one since). */
export async function resumeAfterRestart(api: GroveApi, dir: string): Promise<number[]> {
  const file = join(dir, RESUME_FILE);
  let ids: number[];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { jobs?: unknown };
    ids = Array.isArray(parsed.jobs) ? parsed.jobs.filter((n): n is number => Number.isInteger(n) && n > 0) : [];
  } catch {
    return [];
  }
  rmSync(file, { force: true });
  const paused = new Set((await api.jobs({})).filter((j) => j.status === 'paused').map((j) => j.id));
  const resumed: number[] = [];
  for (const id of ids) {
    if (!paused.has(id)) continue;
    try {
      await api.resumeJob({ id });
      resumed.push(id);
    } catch {
      // Gone or changed since: the tray shows it as it is.
    }
  }
  return resumed;
}
