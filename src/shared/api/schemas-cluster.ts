// GroveApi's "Train on" setting (issue 19): where new experts train, this computer or a Slurm cluster, and the
// Slurm fields (the sbatch options every job gets and the folder both sides see). The engine checks the Slurm
// fields again against its backend's own schema (app/cluster/slurm/settings.ts) before it keeps them.
import { z } from 'zod';

export const TrainOn = z.enum(['local', 'slurm']);

export const SlurmFields = z
  .object({
    partition: z.string().max(200).optional(),
    account: z.string().max(200).optional(),
    /** Slurm's format: "90", "4:00:00", "1-12:00:00". */
    timeLimit: z.string().max(40).optional(),
    gpusPerJob: z.number().int().min(0).max(64).optional(),
    cpusPerTask: z.number().int().min(1).max(1024).optional(),
    /** "16G", "4000M". */
    memory: z.string().max(40).optional(),
    /** An absolute folder this machine and the compute nodes see at the same path. */
    sharedDir: z.string().min(1).max(4096),
    /** Further sbatch long options ("--qos=high"). */
    extraOptions: z.array(z.string().max(400)).max(64).optional(),
    /** Where Grove is installed on the compute nodes, when not at this Grove's own path (its bin/grove.js's folder). */
    groveDir: z.string().min(1).max(4096).optional(),
  })
  .strict();

export const ClusterSettingsView = z
  .object({
    trainOn: TrainOn,
    /** The Slurm cluster's settings; null until set. */
    slurm: SlurmFields.nullable(),
  })
  .strict();

export const clusterSchemas = {
  clusterSettings: { input: z.object({}).strict(), output: ClusterSettingsView },
  /** Where new experts train from now on (kept in the forest's settings); slurm needs the Slurm fields. */
  setClusterSettings: { input: ClusterSettingsView, output: ClusterSettingsView },
} as const;

export type TrainOn = z.output<typeof TrainOn>;
export type SlurmFields = z.output<typeof SlurmFields>;
export type ClusterSettingsView = z.output<typeof ClusterSettingsView>;
