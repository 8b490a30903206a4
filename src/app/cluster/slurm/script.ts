// Writes the batch script of one Slurm submission: the #SBATCH lines from the settings, and a body that runs
// the given command in the task's own directory (a job array picks it by SLURM_ARRAY_TASK_ID). --requeue and
// --open-mode=append make a requeued job (its node died, it was preempted) run again into the same log, and
// Grove's command (`grove bundle run <dir>`) resumes from the bundle's last checkpoint.
import { join } from 'node:path';
import { GroveError } from '../../../shared/api/errors';
import type { SlurmSettings } from './settings';

/** One submission: the same command run once per directory (one job, or a job array for several). */
export interface SlurmSubmission {
  /** The job's name in squeue (letters, digits, _ . -). */
  name: string;
  /** The program and its arguments; each task runs it with its directory appended as the last argument. */
  command: readonly string[];
  /** One directory per task, absolute and under the shared folder's view of both sides; the task runs in it. */
  dirs: readonly string[];
}

/** Where the scripts and logs of submissions live: a folder of the shared folder, so both sides read them. */
export function slurmJobsDir(settings: SlurmSettings): string {
  return join(settings.sharedDir, 'slurm-jobs');
}

/** The output file of the job (or array task) whose own Slurm id is `jobId` (`--output` uses %j). */
export function slurmLogPath(settings: SlurmSettings, jobId: string): string {
  return join(slurmJobsDir(settings), `slurm-${jobId}.out`);
}

/** A word the shell reads back exactly: single-quoted, a quote inside written as '\''. */
export function shellQuote(word: string): string {
  if (word.includes('\0') || /[\n\r]/.test(word))
    throw new GroveError('bad_input', `A Slurm job's command or folder cannot hold a newline or NUL: ${JSON.stringify(word)}.`);
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The #SBATCH options of a submission, in the order they are written. */
export function sbatchOptions(settings: SlurmSettings, submission: SlurmSubmission): string[] {
  if (!/^[A-Za-z0-9_.-]+$/.test(submission.name))
    throw new GroveError('bad_input', `A Slurm job name is letters, digits, _ . - only: ${JSON.stringify(submission.name)}.`);
  if (submission.dirs.length === 0) throw new GroveError('bad_input', 'A Slurm submission needs at least one task directory.');
  if (submission.command.length === 0) throw new GroveError('bad_input', 'A Slurm submission needs a command to run.');
  const options = [
    `--job-name=${submission.name}`,
    `--output=${join(slurmJobsDir(settings), 'slurm-%j.out')}`,
    '--open-mode=append',
    '--requeue',
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${settings.cpusPerTask}`,
  ];
  if (submission.dirs.length > 1) options.push(`--array=0-${submission.dirs.length - 1}`);
  if (settings.partition) options.push(`--partition=${settings.partition}`);
  if (settings.account) options.push(`--account=${settings.account}`);
  if (settings.timeLimit) options.push(`--time=${settings.timeLimit}`);
  if (settings.memory) options.push(`--mem=${settings.memory}`);
  if (settings.gpusPerJob > 0) options.push(`--gres=gpu:${settings.gpusPerJob}`);
  options.push(...settings.extraOptions);
  return options;
}

/** The whole batch script text. */
export function sbatchScript(settings: SlurmSettings, submission: SlurmSubmission): string {
  const options = sbatchOptions(settings, submission);
  const dirs = submission.dirs.map(shellQuote).join(' ');
  const command = submission.command.map(shellQuote).join(' ');
  return [
    '#!/bin/bash',
    `# Written by Grove: ${submission.dirs.length} task(s) of ${submission.name}.`,
    ...options.map((o) => `#SBATCH ${o}`),
    '',
    'set -euo pipefail',
    `dirs=(${dirs})`,
    'dir="${dirs[${SLURM_ARRAY_TASK_ID:-0}]}"',
    'echo "grove: job ${SLURM_JOB_ID} on $(hostname), restart ${SLURM_RESTART_COUNT:-0}, task dir ${dir}, $(date -u +%FT%TZ)"',
    'cd "$dir"',
    `exec ${command} "$dir"`,
    '',
  ].join('\n');
}
