// Sending new experts to Slurm (issue 19): each planned exactly as a local expert (model and run rows), its
// bundle written by an expert job into the shared folder, and one 'slurm-expert' job queued after them that
// submits the bundles as one job array, follows them and merges each (cluster/slurm-expert-job.ts). The queue
// runs jobs in order, so the bundles are written before the submission.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { ApiParsedInput } from '../../shared/api/schemas';
import { BUNDLE_PATHS } from '../bundle/manifest';
import type { Catalog } from '../catalog/catalog';
import { setRunJob } from '../catalog/runs';
import { bundleRunCommand } from '../cluster/grove-command';
import type { SlurmExpertPayload } from '../cluster/slurm-expert-job';
import type { JobKindName } from '../jobs/kinds';
import type { Job } from '../jobs/queue';
import { forestSlurmSettings } from '../store/cluster-settings';
import { planExpert } from './expert-plan';
import { runEstimate } from './training-estimate';

/** Where a planned expert's bundle goes in the shared folder: one folder per run, never reused. */
export function slurmBundleDir(sharedDir: string, name: string, runId: number): string {
  return join(sharedDir, 'bundles', `${name}-run${runId}`);
}

/** Plans the experts, queues their bundle jobs and the Slurm job after them; the Slurm job. */
export function planSlurmExperts(
  catalog: Catalog,
  forestHome: string,
  inputs: readonly ApiParsedInput<'trainExpert'>[],
  enqueue: (kind: JobKindName, payload: unknown) => Job,
): Job {
  const forest = catalog.forest();
  if (!forest)
    throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
  if (inputs.length === 0) throw new GroveError('bad_input', 'Name at least one domain to train an expert on.');
  const settings = forestSlurmSettings(catalog, forest.id);
  const command = bundleRunCommand(settings.groveDir);
  const experts: SlurmExpertPayload['experts'] = [];
  for (const input of inputs) {
    const payload = planExpert(catalog, forestHome, input, runEstimate(catalog, forestHome, input));
    const runId = payload.train!.runId;
    const out = slurmBundleDir(settings.sharedDir, payload.name, runId);
    if (existsSync(join(out, BUNDLE_PATHS.manifest)))
      throw new GroveError('conflict', `${out} holds a bundle already: remove it, or choose another shared folder.`, { out });
    enqueue('expert', { ...payload, bundle: { out, forestId: forest.id } });
    experts.push({ bundleDir: out, modelId: payload.modelId, name: payload.name, train: { runId } });
  }
  const job = enqueue('slurm-expert', { settings, command, experts } satisfies SlurmExpertPayload);
  // The run is trained (and paused, resumed, cancelled) by the Slurm job.
  for (const e of experts) setRunJob(catalog, e.train.runId, job.id);
  return job;
}
