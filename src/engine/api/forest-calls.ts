// The service's BTM calls (schemas-forest.ts): each long one checks its input against the catalog, writes
// the rows it starts from, and queues a job for the worker; reads go straight to the catalog.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import { apiSchemas, type ApiInput, type ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { ensureForest } from '../catalog/domains';
import { insertModel } from '../catalog/models';
import { getRun, insertRun, listRuns, runMetricPoints, setRunJob } from '../catalog/runs';
import { listPriors } from '../forest/prior-store';
import type { ModelConfig } from '../model/config';
import { removeModel } from '../store/remove';
import { SAMPLE_PRESETS, seedConfig, writeSampleCorpus } from '../store/sample-forest';
import type { SeedJobPayload } from '../store/seed-job';
import { budgetToJob, defaultTrainingSettings, TrainingSettings } from '../store/training-settings';
import { collectGarbage } from '../store/gc';
import { claimModelName, planExpert, runsDir } from './expert-plan';
import { jobView, registerJobKind, type ServiceJobs } from './jobs';
import { expertKind } from './kinds/expert';
import { seedKind } from './kinds/seed';

registerJobKind('expert', expertKind);
registerJobKind('seed', seedKind);

export class ForestCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  /** The sample forest: genres of the bundled Brown corpus, a seed on their mix, then one expert per genre. */
  async createSampleForest(raw: ApiInput<'createSampleForest'>): Promise<JobView> {
    const preset = SAMPLE_PRESETS[apiSchemas.createSampleForest.input.parse(raw).preset];
    this.refuseSecondSeed();
    const config = seedConfig(preset.shape);
    const settings = TrainingSettings.parse({ ...defaultTrainingSettings(config, false), ...preset.settings });
    return this.startSeed(writeSampleCorpus(this.forestHome, preset), config, settings, { steps: preset.seedSteps }, { experts: { budget: { steps: preset.expertSteps } } });
  }

  /** A forest from scratch on the person's folders (the seed phase), optionally with one expert per folder after. */
  async createForest(raw: ApiInput<'createForest'>): Promise<JobView> {
    const input = apiSchemas.createForest.input.parse(raw);
    this.refuseSecondSeed();
    const names = new Set<string>();
    const domains = input.domains.map((d) => {
      const folder = resolve(d.folder);
      if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new GroveError('not_found', `${folder} is not a folder on this machine.`, { folder });
      if (names.has(d.name)) throw new GroveError('bad_input', `Domain "${d.name}" is named twice; give each folder its own name.`, { domain: d.name });
      names.add(d.name);
      return { name: d.name, folder };
    });
    const config = seedConfig(input.shape, input.vocabSize);
    const settings = defaultTrainingSettings(config, false);
    return this.startSeed(domains, config, settings, budgetToJob(input.budget ?? { minutes: 10 }, settings), input.experts ? { experts: input.experts } : undefined);
  }

  private refuseSecondSeed(): void {
    const forest = this.catalog.forest();
    const seed = forest && this.catalog.db.prepare("SELECT name FROM models WHERE forest_id = ? AND role = 'seed' AND status != 'removed'").get(forest.id);
    if (seed) throw new GroveError('conflict', `${this.forestHome} already holds a forest with its seed; start another forest in a new home folder (Settings, or --home).`);
  }

  private startSeed(domains: SeedJobPayload['domains'], config: ModelConfig, settings: TrainingSettings, budget: SeedJobPayload['budget'], then: SeedJobPayload['then']): JobView {
    const payload = this.catalog.db.transaction((): SeedJobPayload => {
      const forestId = ensureForest(this.catalog);
      claimModelName(this.catalog, forestId, 'seed');
      const modelId = insertModel(this.catalog, { forestId, name: 'seed', role: 'seed', weightsSha256: null, weightsBytes: null, architectureJson: JSON.stringify(config), tokenizerSha256: null, status: 'training' });
      const runId = insertRun(this.catalog, { modelId, domainId: null, config: { settings, budget, domains: domains.map((d) => d.name) }, totalSteps: 'steps' in budget ? budget.steps : 0, device: 'cpu', runDir: '', initSha256: null });
      const runDir = join(runsDir(this.forestHome), String(runId));
      this.catalog.db.prepare('UPDATE runs SET run_dir = ? WHERE id = ?').run(runDir, runId);
      return { modelId, runId, runDir, domains, config, settings, budget, ...(then ? { then } : {}) };
    })();
    const job = this.jobs.enqueueJob('seed', payload);
    setRunJob(this.catalog, payload.runId, job.id);
    return jobView(job);
  }

  async estimatePrior(_input: ApiInput<'estimatePrior'>): Promise<JobView> {
    throw new GroveError('unsupported', 'estimatePrior is being built in this version of Grove.');
  }

  async priors(): Promise<ApiOutput<'priors'>> {
    const forest = this.catalog.forest();
    if (!forest) return [];
    const names = new Map(this.catalog.models(forest.id).map((m) => [m.id, m.name]));
    return listPriors(this.catalog, forest.id).map((p) => ({
      target: p.target,
      weights: p.modelIds.map((id, j) => ({ modelId: id, name: names.get(id) ?? `#${id}`, weight: p.weights[j]! })),
      sequences: p.sequences,
      createdAt: p.createdAt,
    }));
  }

  /** Branch, train and merge an expert for an ingested domain: one job, in phases. */
  async trainExpert(raw: ApiInput<'trainExpert'>): Promise<JobView> {
    // Parsed here too: in-process callers (the CLI) do not pass through the transports' validation.
    const payload = planExpert(this.catalog, this.forestHome, apiSchemas.trainExpert.input.parse(raw));
    const job = this.jobs.enqueueJob('expert', payload);
    setRunJob(this.catalog, payload.train.runId, job.id);
    return jobView(job);
  }

  async runs(): Promise<ApiOutput<'runs'>> {
    const forest = this.catalog.forest();
    if (!forest) return [];
    return listRuns(this.catalog, forest.id).map(({ runDir: _dir, config: _config, ...view }) => view);
  }

  async runMetrics({ runId }: ApiInput<'runMetrics'>): Promise<ApiOutput<'runMetrics'>> {
    getRun(this.catalog, runId);
    return { runId, points: runMetricPoints(this.catalog, runId) };
  }

  async pauseJob({ id }: ApiInput<'pauseJob'>): Promise<JobView> {
    return this.jobs.pause(id);
  }

  async resumeJob({ id }: ApiInput<'resumeJob'>): Promise<JobView> {
    return this.jobs.resume(id);
  }

  async removeModel({ model }: ApiInput<'removeModel'>): Promise<ApiOutput<'removeModel'>> {
    return { removed: removeModel(this.catalog, model).name };
  }

  async gc(): Promise<ApiOutput<'gc'>> {
    return collectGarbage(this.catalog, this.forestHome, this.jobs.queue);
  }

  async evaluate(_input: ApiInput<'evaluate'>): Promise<JobView> {
    throw new GroveError('unsupported', 'evaluate is being built in this version of Grove.');
  }

  async evaluations(): Promise<ApiOutput<'evaluations'>> {
    throw new GroveError('unsupported', 'evaluations is being built in this version of Grove.');
  }

  async collapse(_input: ApiInput<'collapse'>): Promise<JobView> {
    throw new GroveError('unsupported', 'collapse is being built in this version of Grove.');
  }
}
