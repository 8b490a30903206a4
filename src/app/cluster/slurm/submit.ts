// Submits one SlurmSubmission: writes its batch script into the shared folder and hands it to
// `sbatch --parsable`, which answers the job id (an array's tasks are <id>_0, <id>_1, ...).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GroveError } from '../../../shared/api/errors';
import { runSlurm, type SlurmEnvironment } from './runner';
import { sbatchScript, slurmJobsDir, type SlurmSubmission } from './script';
import type { SlurmSettings } from './settings';

export interface SlurmSubmitted {
  /** The job id (of the whole array, for several tasks). */
  jobId: string;
  /** The batch script that was submitted, kept beside the logs. */
  scriptPath: string;
  /** How many tasks (1, or the array's size). */
  tasks: number;
}

export async function submitSlurm(
  settings: SlurmSettings,
  submission: SlurmSubmission,
  where: SlurmEnvironment = {},
): Promise<SlurmSubmitted> {
  const script = sbatchScript(settings, submission);
  const dir = slurmJobsDir(settings);
  mkdirSync(dir, { recursive: true });
  const scriptPath = join(dir, `${submission.name}-${Date.now()}-${process.pid}.sbatch`);
  writeFileSync(scriptPath, script, { mode: 0o644 });
  const answer = (await runSlurm('sbatch', ['--parsable', scriptPath], where)).trim();
  // --parsable answers "<id>" or "<id>;<cluster>".
  const jobId = answer.split(';')[0]?.trim() ?? '';
  if (!/^\d+$/.test(jobId)) throw new GroveError('internal', `sbatch answered no job id: ${JSON.stringify(answer)}.`);
  return { jobId, scriptPath, tasks: submission.dirs.length };
}
