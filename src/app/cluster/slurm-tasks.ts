// What the queue's owner and the slurm-expert worker both read of a bundle sent to Slurm: which Slurm job trains it
// (slurm-job.json, kept in the bundle so a resumed job finds it), whether it is finished or merged, and the
// scancel of unfinished tasks for a job cancelled while no worker follows it. Apart from the worker's body
// (slurm-expert-job.ts), whose merge code the owner (Electron main included) must not load.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { BUNDLE_PATHS } from '../bundle/manifest';
import { slurmBackend, type SlurmBackend, type SlurmJobState } from './slurm';

/** The bundle's note of the Slurm job that trains it. */
export const TASK_FILE = 'slurm-job.json';
/** Written into the bundle by the queue's owner once the merge is in the catalog: a resumed job skips it. */
export const MERGED_FILE = 'merged.json';
const TaskFile = z.object({ jobId: z.string(), submittedAt: z.string(), submissions: z.number().int() }).strict();
export type TaskFile = z.output<typeof TaskFile>;

/** Grove job states in which a Slurm task no longer runs. */
export const ENDED = new Set(['done', 'failed', 'cancelled']);

export function readTask(dir: string): TaskFile | null {
  try {
    const parsed = TaskFile.safeParse(JSON.parse(readFileSync(join(dir, TASK_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function bundleFinished(dir: string): boolean {
  return existsSync(join(dir, BUNDLE_PATHS.done));
}

/** The task's state, or null once Slurm no longer knows the job. */
export async function stateOf(backend: SlurmBackend, jobId: string): Promise<SlurmJobState | null> {
  try {
    return await backend.state(jobId);
  } catch (err) {
    if (err instanceof GroveError && err.code === 'not_found') return null;
    throw err;
  }
}

/**
 * scancels the Slurm jobs of the bundles not finished yet, for a Grove job cancelled while no worker follows it
 * (a paused job; a running one's worker cancels its own). Errors are the log's: the job is cancelled regardless.
 */
export async function cancelUnfinishedSlurmTasks(
  settings: unknown,
  experts: readonly { name: string; bundleDir: string }[],
  log: (line: string) => void,
): Promise<void> {
  const backend = slurmBackend(settings);
  for (const e of experts) {
    const task = readTask(e.bundleDir);
    if (!task || bundleFinished(e.bundleDir)) continue;
    try {
      const state = await stateOf(backend, task.jobId);
      if (state && !ENDED.has(state.status)) await backend.cancel(task.jobId);
    } catch (err) {
      log(`could not scancel Slurm job ${task.jobId} of "${e.name}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
