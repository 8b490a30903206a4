// Where new experts train (issue 19), through the service: the forest's "Train on" setting with the Slurm
// fields (store/cluster-settings.ts), and experts sent to Slurm as one job array (api/slurm-plan.ts).
// trainOnSlurm is not in GroveApi: the app reaches Slurm through addDomain's `on`; the CLI calls it in-process
// to send several domains' experts as one array.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import type { TrainOn } from '../../shared/api/schemas-cluster';
import type { ClusterSettingsView } from '../../shared/api/schemas-cluster';
import { apiSchemas } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { forestClusterSettings, forestSlurmSettings, saveForestClusterSettings } from '../store/cluster-settings';
import { jobView, type ServiceJobs } from './jobs';
import { planSlurmExperts } from './slurm-plan';

export const TrainOnSlurmInput = z
  .object({
    experts: z
      .array(apiSchemas.trainExpert.input.omit({ branchOnly: true, on: true }))
      .min(1)
      .max(256),
  })
  .strict();
export type TrainOnSlurmInput = z.input<typeof TrainOnSlurmInput>;

export class ClusterCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  private forestId(): number {
    const forest = this.catalog.forest();
    if (!forest)
      throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
    return forest.id;
  }

  settings(): ClusterSettingsView {
    const forest = this.catalog.forest();
    return forest ? forestClusterSettings(this.catalog, forest.id) : { trainOn: 'local', slurm: null };
  }

  setSettings(view: ClusterSettingsView): ClusterSettingsView {
    // A server confined to --allow-root folders writes bundles only inside them.
    if (view.slurm && this.jobs.paths.confined) this.jobs.paths.folder(view.slurm.sharedDir, 'Slurm shared folder');
    return saveForestClusterSettings(this.catalog, this.forestId(), view);
  }

  /** Where an expert asked for without saying trains: as asked, else the forest's setting (checked usable). */
  trainOn(asked: TrainOn | undefined): TrainOn {
    const on = asked ?? this.settings().trainOn;
    if (on === 'slurm') forestSlurmSettings(this.catalog, this.forestId());
    return on;
  }

  /** Plans an expert per domain (ingested already), writes their bundles and submits them as one Slurm job array. */
  trainOnSlurm(raw: TrainOnSlurmInput): JobView {
    const { experts } = TrainOnSlurmInput.parse(raw);
    const inputs = experts.map((e) => apiSchemas.trainExpert.input.parse({ ...e, branchOnly: false }));
    return jobView(planSlurmExperts(this.catalog, this.forestHome, inputs, (kind, payload) => this.jobs.enqueueJob(kind, payload)));
  }
}
