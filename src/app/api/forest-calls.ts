// The service's BTM calls (schemas-forest.ts): each long one checks its input against the catalog, writes
// the rows it starts from, and queues a job for the worker; reads go straight to the catalog.
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import { apiSchemas, type ApiInput, type ApiOutput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { ensureForest } from '../catalog/domains';
import { runsDir } from '../home';
import { listEvaluations } from '../catalog/evaluations';
import { findModel, insertModel, liveModelNamed, modelById, readyModelNames } from '../catalog/models';
import { getRun, insertRun, listRuns, runMetricPoints, setRunDir, setRunJob } from '../catalog/runs';
import { forestExperts, forestSeed } from '../forest/experts';
import { priorOver } from '../../engine/forest/prior-over';
import { listPriors, loadPrior } from '../forest/prior-store';
import { parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { sharedLightBase } from '../../engine/forest/light-base';
import type { CollapseJobPayload } from '../store/collapse-job';
import type { CollapseTrialJobPayload } from '../store/collapse-trial-job';
import { collapseTrial } from '../catalog/collapse-trials';
import { MERGE_METHOD_NAMES } from '../../shared/api/merge-methods';
import { methodMisfit } from '../../engine/forest/merge/registry';
import { collapseWeighting, methodBase, methodSettings, modelsUsed } from './collapse-plan';
import { domainDir } from '../store/domains';
import type { EvaluateJobPayload } from '../store/evaluate-job';
import type { PriorJobPayload, StoredRef } from '../store/prior-job';
import { removeModel } from '../store/remove';
import { SAMPLE_PRESETS, seedConfig, writeSampleCorpus } from '../store/sample-forest';
import type { SeedJobPayload } from '../store/seed-job';
import { budgetToJob, defaultTrainingSettings, forestTrainingSettings, TrainingSettings } from '../store/training-settings';
import { collectGarbage } from '../store/gc';
import { claimModelName, planExpert, planTraining, seedIsPretrained, storedRef } from './expert-plan';
import { runEstimate } from './training-estimate';
import { jobView, type ServiceJobs } from './jobs';
import { targetText } from './prior-target';
import { forestContextLength, planEvaluation } from './evaluation-plan';
import { assertCanPlantSeed } from './seed-guard';

/** Predicted tokens each merge method is scored on when the methods are tried: enough to rank them, quick on a laptop. */
const TRIAL_MAX_TOKENS = 16_384;

export class ForestCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  /** The sample forest: genres of the bundled Brown corpus, a seed on their mix, then one expert per genre. */
  async createSampleForest(raw: ApiInput<'createSampleForest'>): Promise<JobView> {
    const preset = SAMPLE_PRESETS[apiSchemas.createSampleForest.input.parse(raw).preset];
    assertCanPlantSeed(this.catalog, this.forestHome, this.jobs.queue);
    const config = seedConfig(preset.shape);
    const settings = TrainingSettings.parse({ ...defaultTrainingSettings(config, false), ...preset.settings });
    return this.startSeed(
      writeSampleCorpus(this.forestHome, preset),
      config,
      settings,
      { steps: preset.seedSteps },
      { experts: { budget: { steps: preset.expertSteps } } },
      preset.expertPeakLr !== undefined ? { ...settings, peakLr: preset.expertPeakLr } : undefined,
    );
  }

  /** A forest from scratch on the person's folders (the seed phase), optionally with one expert per folder after. */
  async createForest(raw: ApiInput<'createForest'>): Promise<JobView> {
    const input = apiSchemas.createForest.input.parse(raw);
    assertCanPlantSeed(this.catalog, this.forestHome, this.jobs.queue);
    const names = new Set<string>();
    const domains = input.domains.map((d) => {
      const folder = this.jobs.paths.folder(d.folder);
      if (names.has(d.name))
        throw new GroveError('bad_input', `Domain "${d.name}" is named twice; give each folder its own name.`, { domain: d.name });
      names.add(d.name);
      return { name: d.name, folder };
    });
    const config = seedConfig(input.shape, input.vocabSize);
    const settings = defaultTrainingSettings(config, false);
    return this.startSeed(
      domains,
      config,
      settings,
      budgetToJob(input.budget ?? { minutes: 10 }, settings),
      input.experts ? { experts: input.experts } : undefined,
    );
  }

  private startSeed(
    domains: SeedJobPayload['domains'],
    config: ModelConfig,
    settings: TrainingSettings,
    budget: SeedJobPayload['budget'],
    then: SeedJobPayload['then'],
    expertSettings?: TrainingSettings,
  ): JobView {
    const payload = this.catalog.transaction((): SeedJobPayload => {
      const forestId = ensureForest(this.catalog);
      claimModelName(this.catalog, forestId, 'seed');
      const modelId = insertModel(this.catalog, {
        forestId,
        name: 'seed',
        role: 'seed',
        weightsSha256: null,
        weightsBytes: null,
        architectureJson: JSON.stringify(config),
        tokenizerSha256: null,
        status: 'training',
      });
      const runId = insertRun(this.catalog, {
        modelId,
        domainId: null,
        config: { settings, budget, domains: domains.map((d) => d.name) },
        totalSteps: 'steps' in budget ? budget.steps : 0,
        device: 'cpu',
        runDir: '',
        initSha256: null,
      });
      const runDir = join(runsDir(this.forestHome), String(runId));
      setRunDir(this.catalog, runId, runDir);
      return {
        modelId,
        runId,
        runDir,
        domains,
        config,
        settings,
        budget,
        ...(then ? { then } : {}),
        ...(expertSettings ? { expertSettings } : {}),
      };
    });
    const job = this.jobs.enqueueJob('seed', payload);
    setRunJob(this.catalog, payload.runId, job.id);
    return jobView(job);
  }

  private forestId(): number {
    const forest = this.catalog.forest();
    if (!forest)
      throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
    return forest.id;
  }

  /** The ready experts a prior or an ensemble is over; refused when there are none. */
  private experts(forestId: number): StoredRef[] {
    const experts = forestExperts(this.catalog, forestId).map((e) => storedRef(this.catalog, e.id));
    if (experts.length === 0) throw new GroveError('conflict', 'The forest has no trained experts yet: train an expert first.');
    return experts;
  }

  /** Models by name (or id), ready to load; unknown names are refused by name. */
  private models(names: readonly string[]): StoredRef[] {
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new GroveError('bad_input', `Model "${twice}" is listed twice; list each model once.`, { model: twice });
    return names.map((n) => {
      const m = findModel(this.catalog, n);
      if (!m) throw new GroveError('not_found', `No model "${n}" in this forest; \`grove list\` shows the models.`, { model: n });
      return storedRef(this.catalog, m.id);
    });
  }

  async estimatePrior(raw: ApiInput<'estimatePrior'>): Promise<JobView> {
    const input = apiSchemas.estimatePrior.input.parse(raw);
    const forestId = this.forestId();
    const payload: PriorJobPayload = {
      target: input.target,
      experts: this.experts(forestId),
      text: targetText(this.catalog, this.forestHome, forestId, input.target, this.jobs.paths),
      ...(input.sequences ? { sequences: input.sequences } : {}),
    };
    return jobView(this.jobs.enqueueJob('prior', payload));
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
    const input = apiSchemas.trainExpert.input.parse(raw);
    const payload = planExpert(
      this.catalog,
      this.forestHome,
      input,
      input.branchOnly ? undefined : runEstimate(this.catalog, this.forestHome, input),
    );
    const job = this.jobs.enqueueJob('expert', payload);
    if (payload.train) setRunJob(this.catalog, payload.train.runId, job.id);
    return jobView(job);
  }

  /** Trains a model further from its current weights (a branch made alone, or an expert that wants more). */
  async trainModel(raw: ApiInput<'trainModel'>): Promise<JobView> {
    const payload = planTraining(this.catalog, this.forestHome, apiSchemas.trainModel.input.parse(raw));
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

  /** Test perplexity of models and of the experts' ensemble (cached prior) on domains: one job. */
  async evaluate(raw: ApiInput<'evaluate'>): Promise<JobView> {
    const input = apiSchemas.evaluate.input.parse(raw);
    const forestId = this.forestId();
    const models = this.models(input.models ?? readyModelNames(this.catalog, forestId));
    return jobView(this.jobs.enqueueJob('evaluate', planEvaluation(this.catalog, this.forestHome, forestId, models, input)));
  }

  async evaluations(): Promise<ApiOutput<'evaluations'>> {
    const forest = this.catalog.forest();
    return forest ? listEvaluations(this.catalog, forest.id) : [];
  }

  /** One model from several by weighted parameter average (default: every ready expert). */
  async collapse(raw: ApiInput<'collapse'>): Promise<JobView> {
    const input = apiSchemas.collapse.input.parse(raw);
    const forestId = this.forestId();
    const models = this.collapsed(forestId, input.models);
    if (liveModelNamed(this.catalog, input.name, forestId))
      throw new GroveError('conflict', `The forest already has a model named "${input.name}"; choose another name.`, { name: input.name });
    const weighting = collapseWeighting(this.catalog, this.forestHome, this.jobs.paths, forestId, models, input.weighting);
    const misfit = methodMisfit(input.method, modelsUsed(weighting, models));
    if (misfit)
      throw new GroveError('bad_input', `${misfit} Choose the models again, or another method.`, {
        method: input.method,
        models: modelsUsed(weighting, models),
      });
    // Refused now, by name, rather than by a failed job: a light collapse needs light experts over one base.
    if (input.keep === 'light')
      sharedLightBase(
        models.map((m) => ({ name: m.name, base: modelById(this.catalog, m.id).light?.baseSha256 ?? null })),
        'light',
      );
    const payload: CollapseJobPayload = {
      name: input.name,
      models,
      weighting,
      method: input.method,
      settings: methodSettings(input.method, input.settings),
      base: methodBase(this.catalog, forestId, input.method),
      keep: input.keep,
    };
    return jobView(this.jobs.enqueueJob('collapse', payload));
  }

  /** Every merge method that takes this many models, each scored on the target's held-out text: one job. */
  async tryCollapseMethods(raw: ApiInput<'tryCollapseMethods'>): Promise<JobView> {
    const input = apiSchemas.tryCollapseMethods.input.parse(raw);
    const forestId = this.forestId();
    const models = this.collapsed(forestId, input.models);
    const weighting = collapseWeighting(this.catalog, this.forestHome, this.jobs.paths, forestId, models, input.weighting);
    const used = modelsUsed(weighting, models);
    const fits = MERGE_METHOD_NAMES.map((method) => ({ method, misfit: methodMisfit(method, used) }));
    const methods = fits.filter((f) => f.misfit === null).map((f) => ({ method: f.method, settings: methodSettings(f.method, {}) }));
    const target = input.target ?? (input.weighting.kind === 'posterior' ? input.weighting.target : 'mix');
    const payload: CollapseTrialJobPayload = {
      models,
      weighting,
      base: storedRef(this.catalog, forestSeed(this.catalog, forestId).id),
      methods,
      skipped: fits.flatMap((f) => (f.misfit === null ? [] : [{ method: f.method, reason: f.misfit }])),
      target,
      text: targetText(this.catalog, this.forestHome, forestId, target, this.jobs.paths),
      contextLength: forestContextLength(this.catalog, forestId),
      maxTokens: TRIAL_MAX_TOKENS,
    };
    return jobView(this.jobs.enqueueJob('collapse-trial', payload));
  }

  async collapseTrial(raw: ApiInput<'collapseTrial'>): Promise<ApiOutput<'collapseTrial'>> {
    const { jobId } = apiSchemas.collapseTrial.input.parse(raw);
    const forest = this.catalog.forest();
    return forest ? collapseTrial(this.catalog, forest.id, jobId) : null;
  }

  /** The models a collapse merges (default: every ready expert); refused below two. */
  private collapsed(forestId: number, names: readonly string[] | undefined): StoredRef[] {
    const models = names ? this.models(names) : this.experts(forestId);
    if (models.length < 2)
      throw new GroveError('bad_input', 'Collapse averages at least two models; the forest has fewer trained experts.');
    return models;
  }
}
