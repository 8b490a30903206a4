// The service's BTM calls (schemas-forest.ts): each long one queues a job for the worker; reads go
// straight to the catalog.
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import type { ApiInput, ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import type { ServiceJobs } from './jobs';

const notYet = (call: string): never => {
  throw new GroveError('unsupported', `${call} is being built in this version of Grove; use the grove command line meanwhile.`);
};

export class ForestCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  async createSampleForest(_input: ApiInput<'createSampleForest'>): Promise<JobView> {
    return notYet('createSampleForest');
  }
  async estimatePrior(_input: ApiInput<'estimatePrior'>): Promise<JobView> {
    return notYet('estimatePrior');
  }
  async priors(): Promise<ApiOutput<'priors'>> {
    return notYet('priors');
  }
  async trainExpert(_input: ApiInput<'trainExpert'>): Promise<JobView> {
    return notYet('trainExpert');
  }
  async runs(): Promise<ApiOutput<'runs'>> {
    return notYet('runs');
  }
  async runMetrics(_input: ApiInput<'runMetrics'>): Promise<ApiOutput<'runMetrics'>> {
    return notYet('runMetrics');
  }
  async pauseJob(_input: ApiInput<'pauseJob'>): Promise<JobView> {
    return notYet('pauseJob');
  }
  async resumeJob(_input: ApiInput<'resumeJob'>): Promise<JobView> {
    return notYet('resumeJob');
  }
  async removeModel(_input: ApiInput<'removeModel'>): Promise<ApiOutput<'removeModel'>> {
    return notYet('removeModel');
  }
  async gc(): Promise<ApiOutput<'gc'>> {
    return notYet('gc');
  }
  async evaluate(_input: ApiInput<'evaluate'>): Promise<JobView> {
    return notYet('evaluate');
  }
  async evaluations(): Promise<ApiOutput<'evaluations'>> {
    return notYet('evaluations');
  }
  async collapse(_input: ApiInput<'collapse'>): Promise<JobView> {
    return notYet('collapse');
  }
}
