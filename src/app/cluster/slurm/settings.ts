// What Grove needs to know to hand expert training to a Slurm cluster, as one validated schema: the sbatch
// options every job gets (partition, account, time limit, GPUs, CPUs, memory, extra options) and the shared
// folder that both Grove and the compute nodes see (bundles, job scripts and logs live there), and where Grove
// is installed on the nodes when that is not this Grove's own path.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../../shared/api/errors';

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME_LIMIT = /^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2})$/;
/** A Slurm name (partition, account): no spaces, no shell or option syntax. */
const SLURM_NAME = /^[A-Za-z0-9_.-]+$/;
/**
 * sbatch options Grove writes itself (script.ts), with what to use instead: an extra option repeating one would
 * override Grove's (sbatch keeps the last), so a job array, its logs or its requeue would no longer be what Grove
 * follows. sbatch takes an unambiguous abbreviation of a long option as the option ("--arr" is --array), so a
 * shorter start of one of these is refused too.
 */
const RESERVED_OPTIONS: Record<string, string> = {
  'job-name': 'Grove names each job after its experts',
  output: 'Grove writes the output into the shared folder, where it reads the log',
  error: 'Grove keeps errors in the one output file it reads',
  'open-mode': 'Grove appends, so a requeued task keeps its log',
  requeue: 'Grove sets it, so a task whose node died runs again',
  'no-requeue': 'Grove needs a task whose node died to run again',
  array: 'Grove makes the job array, one task per expert',
  nodes: 'an expert trains on one node',
  ntasks: 'an expert is one task',
  partition: 'use the Partition setting',
  account: 'use the Account setting',
  time: 'use the Time limit setting',
  mem: 'use the Memory setting',
  gres: 'use the GPUs per job setting',
  gpus: 'use the GPUs per job setting',
  'cpus-per-task': 'use the CPUs per task setting',
  chdir: 'each task runs in its bundle folder',
  wrap: 'Grove writes the batch script',
};
/** One long option, its value without spaces: sbatch splits an #SBATCH line into words, so a space would start another. */
const LONG_OPTION = /^--([a-z][a-z0-9-]*)(=\S*)?$/;

/** Why an extra sbatch option is refused, or null when it may go in. */
export function extraOptionProblem(option: string): string | null {
  const m = LONG_OPTION.exec(option);
  if (!m) return `${JSON.stringify(option)} is not one long sbatch option such as --qos=high, without spaces`;
  const name = m[1]!;
  const reserved = Object.keys(RESERVED_OPTIONS).find((r) => r === name || r.startsWith(name));
  return reserved ? `--${name} is Grove's own sbatch option --${reserved} (${RESERVED_OPTIONS[reserved]})` : null;
}

export const slurmSettingsSchema = z
  .object({
    /** Partition the jobs go to; the cluster's default partition when absent. */
    partition: z.string().regex(SLURM_NAME, 'a partition name: letters, digits, _ . -').optional(),
    /** Account charged for the jobs, where the cluster requires one. */
    account: z.string().regex(SLURM_NAME, 'an account name: letters, digits, _ . -').optional(),
    /** Wall-clock limit per job in Slurm's format ("90", "4:00:00", "1-12:00:00"). */
    timeLimit: z.string().regex(TIME_LIMIT, 'a Slurm time limit: minutes, HH:MM:SS or D-HH:MM:SS').optional(),
    /** GPUs per job (a `--gres=gpu:N` line); 0 asks for none. */
    gpusPerJob: z.number().int().min(0).max(64).default(0),
    /** CPUs per task. */
    cpusPerTask: z.number().int().min(1).max(1024).default(1),
    /** Memory per node in Slurm's format ("16G", "4000M"); the cluster's default when absent. */
    memory: z
      .string()
      .regex(/^\d+[KMGT]?$/, 'memory such as 16G or 4000M')
      .optional(),
    /** A folder both this machine and the compute nodes see at the same path (bundles, scripts, logs). */
    sharedDir: z.string().refine(isAbsolute, 'an absolute path both sides see'),
    /** Further sbatch options, one per entry, each a long option ("--qos=high", "--constraint=a100"). */
    extraOptions: z
      .array(
        z.string().superRefine((option, ctx) => {
          const problem = extraOptionProblem(option);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .default([]),
    /**
     * Where Grove is installed on the compute nodes (the folder of its bin/grove.js), when not at this Grove's own
     * path; the tasks then run `node <groveDir>/bin/grove.js bundle run` with the nodes' own `node` (on the job's PATH).
     */
    groveDir: z.string().refine(isAbsolute, 'an absolute path on the compute nodes').optional(),
  })
  .strict();

export type SlurmSettings = z.infer<typeof slurmSettingsSchema>;
export type SlurmSettingsInput = z.input<typeof slurmSettingsSchema>;

/** A field as the person knows it: "extraOptions 2" (counted from 1), not "extraOptions.1". */
function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'settings';
  return path.map((p) => (typeof p === 'number' ? String(p + 1) : String(p))).join(' ');
}

/** The settings, checked; a GroveError naming each field that is wrong otherwise. */
export function parseSlurmSettings(input: unknown): SlurmSettings {
  const parsed = slurmSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${fieldName(i.path)}: ${i.message}`).join('; ');
  throw new GroveError('bad_input', `Slurm settings are not valid: ${problems}.`, parsed.error.issues);
}
