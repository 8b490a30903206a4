// Grove's Slurm backend: hand training jobs (for Grove, `grove bundle run <dir>` per expert bundle) to a Slurm
// cluster and follow them. One object per configured cluster: submit, state, cancel, log tail.
import { cancelSlurmJob } from './cancel';
import { slurmLogTail } from './log-tail';
import type { SlurmEnvironment } from './runner';
import type { SlurmSubmission } from './script';
import { parseSlurmSettings, type SlurmSettings } from './settings';
import { slurmJobState, slurmJobStates, type SlurmJobState } from './state';
import { submitSlurm, type SlurmSubmitted } from './submit';

export { parseSlurmSettings, slurmSettingsSchema, type SlurmSettings, type SlurmSettingsInput } from './settings';
export { sbatchScript, type SlurmSubmission } from './script';
export { groveStatus, type SlurmJobState, type SlurmState } from './state';
export type { SlurmSubmitted } from './submit';
export type { SlurmEnvironment } from './runner';

export interface SlurmBackend {
  readonly settings: SlurmSettings;
  /** Writes the batch script (a job array for several dirs) and submits it; the job id. */
  submit(submission: SlurmSubmission): Promise<SlurmSubmitted>;
  /** The state of a job or one array task ("<array>_<index>"). */
  state(jobId: string): Promise<SlurmJobState>;
  /** The state of each task of a job array (or the job alone); [] when Slurm no longer knows the id. */
  states(jobId: string): Promise<SlurmJobState[]>;
  /** scancel the job (all its array tasks), or one task. */
  cancel(jobId: string): Promise<void>;
  /** The last lines of the output of a job or array task, by its own numeric id (SlurmJobState.jobId). */
  logTail(jobId: string, lines?: number): string[];
}

/** A backend for the cluster the settings describe (validated here), its commands run in `where`'s environment. */
export function slurmBackend(settings: unknown, where: SlurmEnvironment = {}): SlurmBackend {
  const checked = parseSlurmSettings(settings);
  return {
    settings: checked,
    submit: (submission) => submitSlurm(checked, submission, where),
    state: (jobId) => slurmJobState(jobId, where),
    states: (jobId) => slurmJobStates(jobId, where),
    cancel: (jobId) => cancelSlurmJob(jobId, where),
    logTail: (jobId, lines) => slurmLogTail(checked, jobId, lines),
  };
}
