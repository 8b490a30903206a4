// The service's estimates before a long job (schemas-estimate.ts): trainingEstimate reads the catalog, the
// kept speed measurements and the machine's memory (no tensor code: it runs in the service's process);
// measureTraining queues the timing of a few real train steps in the job worker.
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import { apiSchemas, type ApiInput, type ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { modelById } from '../catalog/models';
import { forestSeed } from '../forest/experts';
import { machineMemory, type MachineMemory } from '../../engine/machine-memory';
import { parseModelConfig } from '../../engine/model/config';
import { forestTrainingSettings } from '../store/training-settings';
import { trainingMemory, type TrainShape } from '../../engine/train/estimate';
import type { MeasureSpeedPayload } from '../store/measure-speed-job';
import { seedIsPretrained } from './expert-plan';
import { discoveredEstimates } from './discover-estimate';
import { jobView, type ServiceJobs } from './jobs';
import { fitOf, lightOption, trainingEstimate } from './training-estimate';

export class EstimateCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
    /** The machine's memory now (a test gives a machine of its own). */
    private readonly memory: () => MachineMemory = machineMemory,
  ) {}

  async trainingEstimate(raw: ApiInput<'trainingEstimate'>): Promise<ApiOutput<'trainingEstimate'>> {
    return trainingEstimate(this.catalog, this.forestHome, apiSchemas.trainingEstimate.input.parse(raw), this.memory());
  }

  /** trainingEstimate for each domain a person made of a discovery's clusters, before it is grown. */
  async discoveredEstimate(raw: ApiInput<'discoveredEstimate'>): Promise<ApiOutput<'discoveredEstimate'>> {
    const input = apiSchemas.discoveredEstimate.input.parse(raw);
    return discoveredEstimates(this.catalog, this.forestHome, this.jobs.paths.folder(input.folder), input, this.memory());
  }

  /** Times the seed's train steps, full and light, leaving out a kind whose training would not fit in the memory available now. */
  async measureTraining(raw: ApiInput<'measureTraining'>): Promise<JobView> {
    const input = apiSchemas.measureTraining.input.parse(raw);
    const forest = this.catalog.forest();
    if (!forest)
      throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
    const seed = modelById(this.catalog, forestSeed(this.catalog, forest.id).id);
    const config = parseModelConfig(JSON.parse(seed.architectureJson), 'the seed');
    const settings = forestTrainingSettings(this.catalog, forest.id, config, seedIsPretrained(this.catalog, forest.id, seed.id));
    const threads = input.threads ?? settings.threads;
    const lora = lightOption(input.light);
    const available = this.memory().availableBytes;
    const base: Omit<TrainShape, 'lora'> = {
      config,
      batchSize: settings.batchSize,
      microBatches: settings.microBatches,
      contextLength: settings.contextLength,
      recompute: settings.recompute,
    };
    const kinds: MeasureSpeedPayload['kinds'] = [];
    if (fitOf(trainingMemory(base).peakBytes, available) !== 'no') kinds.push({ kind: 'full' });
    if (fitOf(trainingMemory({ ...base, lora }).peakBytes, available) !== 'no')
      kinds.push({ kind: 'light', rank: lora.rank, targets: [...lora.targets] });
    if (kinds.length === 0)
      throw new GroveError(
        'conflict',
        `Training this forest’s seed would not fit in the ${(available / 1e9).toFixed(1)} GB of memory available now, as a full or a light expert: close other programs and measure again.`,
      );
    const payload: MeasureSpeedPayload = {
      architecture: seed.architectureJson,
      batchSize: settings.batchSize,
      microBatches: settings.microBatches,
      recompute: settings.recompute,
      contextLength: settings.contextLength,
      threads,
      device: input.device,
      kinds,
    };
    return jobView(this.jobs.enqueueJob('measure-speed', payload));
  }
}
