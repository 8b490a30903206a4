// A Slurm job's state as Grove's job states: `scontrol show job -o` for the job (or each task of an array),
// its Slurm state mapped to queued / running / paused / done / failed / cancelled, with the exit code, the
// signal, Slurm's reason and the restart count (a requeued job runs again: it counts as queued, then running).
// There is no `sacct` here: without slurmdbd Slurm 22.05 keeps no accounting; the controller keeps a finished
// job for MinJobAge seconds (300 by default), after which its state is 'unknown' to Grove.
import type { JobStatus } from '../../catalog/jobs';
import { GroveError } from '../../../shared/api/errors';
import { runSlurm, type SlurmEnvironment } from './runner';

/** Slurm's job states (the base state; flags such as +REQUEUED are dropped). */
export type SlurmState =
  | 'PENDING'
  | 'CONFIGURING'
  | 'RUNNING'
  | 'COMPLETING'
  | 'SUSPENDED'
  | 'STOPPED'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'NODE_FAIL'
  | 'PREEMPTED'
  | 'REQUEUED'
  | 'REQUEUE_HOLD'
  | 'REQUEUE_FED'
  | 'RESIZING'
  | 'SPECIAL_EXIT'
  | 'BOOT_FAIL'
  | 'DEADLINE'
  | 'OUT_OF_MEMORY'
  | 'REVOKED'
  | 'SIGNALING'
  | 'STAGE_OUT'
  | 'RESV_DEL_HOLD';

/** Grove's view of one Slurm job or array task. */
export interface SlurmJobState {
  /** The Slurm id of this job or array task (its log is slurm-<jobId>.out). */
  jobId: string;
  /** The array's id, for an array task. */
  arrayJobId?: string;
  /** The task's index, or the pending tasks' range ("1-3") for the array's not yet started record. */
  arrayTask?: string;
  slurmState: SlurmState | string;
  status: JobStatus;
  /** The batch script's exit code (0 until it ends). */
  exitCode: number;
  /** The signal that ended it, 0 when none. */
  signal: number;
  /** Slurm's reason (why pending, why failed), absent when "None". */
  reason?: string;
  /** How often Slurm requeued it. */
  restarts: number;
}

const STATUS: Record<SlurmState, JobStatus> = {
  PENDING: 'queued',
  REQUEUED: 'queued',
  REQUEUE_FED: 'queued',
  REQUEUE_HOLD: 'paused',
  RESV_DEL_HOLD: 'paused',
  // Preempted with --requeue: it goes back to the queue and resumes from its checkpoint.
  PREEMPTED: 'queued',
  CONFIGURING: 'running',
  RUNNING: 'running',
  COMPLETING: 'running',
  RESIZING: 'running',
  SIGNALING: 'running',
  STAGE_OUT: 'running',
  SUSPENDED: 'paused',
  STOPPED: 'paused',
  COMPLETED: 'done',
  FAILED: 'failed',
  TIMEOUT: 'failed',
  NODE_FAIL: 'failed',
  OUT_OF_MEMORY: 'failed',
  BOOT_FAIL: 'failed',
  DEADLINE: 'failed',
  SPECIAL_EXIT: 'failed',
  CANCELLED: 'cancelled',
  REVOKED: 'cancelled',
};

/** Grove's status for a Slurm state; an unknown state reads as running (it is in the controller, not ended). */
export function groveStatus(slurmState: string): JobStatus {
  return (STATUS as Record<string, JobStatus>)[slurmState] ?? 'running';
}

/** One `scontrol show job -o` line as its fields: "Key=value" words, a value running to the next Key=. */
export function scontrolFields(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  const keyAt = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=/g;
  const starts: { key: string; valueStart: number; keyStart: number }[] = [];
  for (let m = keyAt.exec(line); m; m = keyAt.exec(line)) {
    starts.push({ key: m[1] ?? '', valueStart: m.index + m[0].length, keyStart: m.index });
  }
  starts.forEach((s, i) => fields.set(s.key, line.slice(s.valueStart, starts[i + 1]?.keyStart ?? line.length).trim()));
  return fields;
}

/** One job's fields as a SlurmJobState. */
export function jobStateFrom(fields: Map<string, string>): SlurmJobState {
  const jobId = fields.get('JobId') ?? '';
  const slurmState = (fields.get('JobState') ?? 'UNKNOWN').split('+')[0] ?? 'UNKNOWN';
  const [exit, signal] = (fields.get('ExitCode') ?? '0:0').split(':').map(Number);
  const reason = fields.get('Reason');
  const arrayJobId = fields.get('ArrayJobId');
  const arrayTask = fields.get('ArrayTaskId');
  return {
    jobId,
    ...(arrayJobId ? { arrayJobId } : {}),
    ...(arrayTask ? { arrayTask } : {}),
    slurmState,
    status: groveStatus(slurmState),
    exitCode: Number.isFinite(exit) ? (exit ?? 0) : 0,
    signal: Number.isFinite(signal) ? (signal ?? 0) : 0,
    ...(reason && reason !== 'None' ? { reason } : {}),
    restarts: Number(fields.get('Restarts') ?? 0) || 0,
  };
}

/**
 * The state of a job, or of each task of a job array (the array's not yet started tasks as one record with a
 * range); an empty list when the controller no longer knows the id (finished more than MinJobAge ago).
 */
export async function slurmJobStates(jobId: string, where: SlurmEnvironment = {}): Promise<SlurmJobState[]> {
  if (!/^\d+(_\d+)?$/.test(jobId)) throw new GroveError('bad_input', `Not a Slurm job id: ${JSON.stringify(jobId)}.`);
  let out: string;
  try {
    out = await runSlurm('scontrol', ['show', 'job', '-o', jobId], where);
  } catch (err) {
    if (err instanceof GroveError && /Invalid job id specified/.test(err.message)) return [];
    throw err;
  }
  return out
    .split('\n')
    .filter((line) => line.startsWith('JobId='))
    .map((line) => jobStateFrom(scontrolFields(line)))
    .sort((a, b) => Number(a.arrayTask ?? 0) - Number(b.arrayTask ?? 0) || Number(a.jobId) - Number(b.jobId));
}

/** The state of one job (or one array task, "<array>_<index>"); a not_found GroveError when Slurm no longer knows it. */
export async function slurmJobState(jobId: string, where: SlurmEnvironment = {}): Promise<SlurmJobState> {
  const states = await slurmJobStates(jobId, where);
  const state = states.length === 1 ? states[0] : states.find((s) => s.jobId === jobId);
  if (!state) {
    if (states.length > 1)
      throw new GroveError('bad_input', `Slurm job ${jobId} is an array of ${states.length} records: ask slurmJobStates for each task.`);
    throw new GroveError(
      'not_found',
      `Slurm no longer knows job ${jobId}: it finished more than the controller's MinJobAge ago, or never existed.`,
    );
  }
  return state;
}
