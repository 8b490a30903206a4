// Cancels a Slurm job (or all tasks of an array, or one task "<array>_<index>") through scancel.
import { GroveError } from '../../../shared/api/errors';
import { runSlurm, type SlurmEnvironment } from './runner';

export async function cancelSlurmJob(jobId: string, where: SlurmEnvironment = {}): Promise<void> {
  if (!/^\d+(_\d+)?$/.test(jobId)) throw new GroveError('bad_input', `Not a Slurm job id: ${JSON.stringify(jobId)}.`);
  await runSlurm('scancel', [jobId], where);
}
