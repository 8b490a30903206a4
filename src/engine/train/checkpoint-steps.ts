// How often a run checkpoints when nobody said: shared by the training job and the estimates of a run's disk.

/**
 * Steps between checkpoints when none is set: a tenth of the run, so a crash loses at most 10 % of it
 * whatever its length (the time rule alone lost every step of runs under 5 minutes), but at least 50 steps:
 * a checkpoint writes the parameters and both Adam moments (3x the model's size), and in the short runs
 * where a tenth is under 50 steps, those steps cost less to redo than writing that often.
 */
export function defaultCheckpointSteps(totalSteps: number): number {
  return Math.max(50, Math.ceil(totalSteps / 10));
}
