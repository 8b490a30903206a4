// The service's "Compare with one model" calls (schemas-verdict.ts): queue the dense baseline's training (its
// evaluation beside the forest follows, queued by the training's own commit), and read the last verdict.
import type { JobView } from '../../shared/api/events';
import { apiSchemas, type ApiInput, type ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { setRunJob } from '../catalog/runs';
import { latestVerdict } from '../catalog/verdicts';
import { planBaseline } from './baseline-plan';
import { jobView, type ServiceJobs } from './jobs';

export class BaselineCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  async compareWithBaseline(raw: ApiInput<'compareWithBaseline'>): Promise<JobView> {
    // Parsed here too: in-process callers (the CLI) do not pass through the transports' validation.
    const payload = planBaseline(this.catalog, this.forestHome, apiSchemas.compareWithBaseline.input.parse(raw));
    const job = this.jobs.enqueueJob('baseline', payload);
    setRunJob(this.catalog, payload.train!.runId, job.id);
    return jobView(job);
  }

  async verdict(): Promise<ApiOutput<'verdict'>> {
    const forest = this.catalog.forest();
    return forest ? latestVerdict(this.catalog, forest.id) : null;
  }
}
