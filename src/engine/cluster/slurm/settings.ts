// What Grove needs to know to hand expert training to a Slurm cluster, as one validated schema: the sbatch
// options every job gets (partition, account, time limit, GPUs, CPUs, memory, extra options) and the shared
// folder that both Grove and the compute nodes see (bundles, job scripts and logs live there).
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../../shared/api/errors';

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME_LIMIT = /^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+|\d+-\d+:\d{2}|\d+-\d+:\d{2}:\d{2})$/;
/** A Slurm name (partition, account): no spaces, no shell or option syntax. */
const SLURM_NAME = /^[A-Za-z0-9_.-]+$/;

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
      .array(z.string().regex(/^--[a-z][a-z0-9-]*(=[^\n\r]*)?$/, 'one long sbatch option such as --qos=high, on one line'))
      .default([]),
  })
  .strict();

export type SlurmSettings = z.infer<typeof slurmSettingsSchema>;
export type SlurmSettingsInput = z.input<typeof slurmSettingsSchema>;

/** The settings, checked; a GroveError naming each field that is wrong otherwise. */
export function parseSlurmSettings(input: unknown): SlurmSettings {
  const parsed = slurmSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ');
  throw new GroveError('bad_input', `Slurm settings are not valid: ${problems}.`, parsed.error.issues);
}
