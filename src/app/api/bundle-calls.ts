// Expert bundles through the service (docs/bundle.md): write one where a local `grove add` would start training
// (the same plan, branch and job, bundle/write.ts at the end instead of the training), and merge a trained one
// back into the run it was written for (bundle/merge-job.ts, recorded as a local run is). Training the bundle
// itself needs no service: bundle/run.ts. Not (yet) in GroveApi: the CLI calls these in-process.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import { apiSchemas, type ApiInput } from '../../shared/api/schemas';
import type { BundleMergePayload } from '../bundle/merge-job';
import { BUNDLE_PATHS, readBundleManifest } from '../bundle/manifest';
import type { Catalog } from '../catalog/catalog';
import { modelById } from '../catalog/models';
import { getRun, setRunJob } from '../catalog/runs';
import { planExpert } from './expert-plan';
import { jobView, type ServiceJobs } from './jobs';
import { runEstimate } from './training-estimate';

export const WriteBundleInput = apiSchemas.trainExpert.input
  .omit({ branchOnly: true, on: true })
  .extend({ out: z.string().min(1) })
  .strict();
export type WriteBundleInput = z.input<typeof WriteBundleInput>;

export class BundleCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  /**
   * Plans a new expert on an ingested domain exactly as trainExpert does (its model and run rows, the branch),
   * and queues the job that branches it and writes its bundle into `out` instead of training it.
   */
  writeBundle(raw: WriteBundleInput): JobView {
    const { out, ...input } = WriteBundleInput.parse(raw);
    const dir = resolve(out);
    if (existsSync(join(dir, BUNDLE_PATHS.manifest)))
      throw new GroveError('conflict', `${dir} holds a bundle already; choose another folder (or remove it).`, { out: dir });
    const forest = this.catalog.forest();
    if (!forest)
      throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
    const expert = apiSchemas.trainExpert.input.parse({ ...input, branchOnly: false } satisfies ApiInput<'trainExpert'>);
    const payload = planExpert(this.catalog, this.forestHome, expert, runEstimate(this.catalog, this.forestHome, expert));
    const job = this.jobs.enqueueJob('expert', { ...payload, bundle: { out: dir, forestId: forest.id } });
    if (payload.train) setRunJob(this.catalog, payload.train.runId, job.id);
    return jobView(job);
  }

  /** Queues the merge of the trained bundle in `dir` into the planned expert it was written for. */
  mergeBundle(dir: string): JobView {
    const bundleDir = resolve(dir);
    const manifest = readBundleManifest(bundleDir);
    const { modelId, runId, name } = manifest.expert;
    const other = `The bundle ${bundleDir} was written for expert "${name}" of another forest (or one since removed from this one)`;
    const forest = this.catalog.forest();
    if (!forest || forest.id !== manifest.expert.forestId)
      throw new GroveError('conflict', `${other}: merge it into the forest home that wrote it (--home).`, { bundle: bundleDir });
    let model: ReturnType<typeof modelById>;
    try {
      model = modelById(this.catalog, modelId);
      getRun(this.catalog, runId);
    } catch {
      throw new GroveError('conflict', `${other}: merge it into the forest home that wrote it (--home).`, { bundle: bundleDir });
    }
    if (model.name !== name || (model.status === 'training' && model.weightsSha256 !== manifest.start.sha256))
      throw new GroveError('conflict', `${other}: this forest's model ${modelId} is "${model.name}", branched from other weights.`, {
        bundle: bundleDir,
      });
    if (model.status === 'ready')
      throw new GroveError('conflict', `Expert "${name}" is merged already (it is ready in this forest).`, {
        bundle: bundleDir,
        model: name,
      });
    if (model.status !== 'training')
      throw new GroveError('conflict', `Expert "${name}" is ${model.status} in this forest: there is nothing to merge the bundle into.`, {
        bundle: bundleDir,
        model: name,
      });
    const payload: BundleMergePayload = { bundleDir, modelId, name, train: { runId } };
    return jobView(this.jobs.enqueueJob('bundle-merge', payload));
  }
}
