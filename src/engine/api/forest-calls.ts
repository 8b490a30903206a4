// The service's BTM calls (schemas-forest.ts): each long one checks its input against the catalog, writes
// the rows it starts from, and queues a job for the worker; reads go straight to the catalog.
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { JobView } from '../../shared/api/events';
import { apiSchemas, type ApiInput, type ApiOutput, type ApiParsedInput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { insertModel, modelById } from '../catalog/models';
import { getRun, insertRun, listRuns, runMetricPoints, setRunJob } from '../catalog/runs';
import { forestExperts, forestSeed } from '../forest/experts';
import { listPriors, loadPrior, priorTarget } from '../forest/prior-store';
import { parseModelConfig } from '../model/config';
import type { ExpertJobPayload } from '../store/expert-job';
import { removeModel } from '../store/remove';
import { collectGarbage } from '../store/gc';
import { budgetToJob, defaultBudget, forestTrainingSettings } from '../store/training-settings';
import { domainDir } from '../store/domains';
import { jobView, registerJobKind, type ServiceJobs } from './jobs';
import { expertKind } from './kinds/expert';

registerJobKind('expert', expertKind);

export function runsDir(home: string): string {
  return join(home, 'runs');
}

interface ForestRefs {
  forestId: number;
  seed: { id: number; name: string };
}

export class ForestCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  private forest(): ForestRefs {
    const forest = this.catalog.forest();
    if (!forest) throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
    return { forestId: forest.id, seed: forestSeed(this.catalog, forest.id) };
  }

  /** A model of the forest with its stored weights and tokenizer, as a job payload names it. */
  private storedRef(id: number): { id: number; name: string; sha256: string; tokenizerSha256: string | null } {
    const m = modelById(this.catalog, id);
    if (!m.weightsSha256) throw new GroveError('conflict', `Model "${m.name}" has no weights yet: its branch has not finished.`, { model: m.name });
    return { id: m.id, name: m.name, sha256: m.weightsSha256, tokenizerSha256: m.tokenizerSha256 };
  }

  /** A name is taken by a live model; a removed model's name is freed (its row keeps the history, renamed). */
  private claimName(forestId: number, name: string): void {
    const taken = this.catalog.db.prepare('SELECT id, status FROM models WHERE forest_id = ? AND name = ?').get(forestId, name) as { id: number; status: string } | undefined;
    if (!taken) return;
    if (taken.status !== 'removed') throw new GroveError('conflict', `The forest already has a model named "${name}"; choose another name.`, { name });
    this.catalog.db.prepare('UPDATE models SET name = ? WHERE id = ?').run(`${name} (removed #${taken.id})`, taken.id);
  }

  async createSampleForest(_input: ApiInput<'createSampleForest'>): Promise<JobView> {
    throw new GroveError('unsupported', 'createSampleForest is being built in this version of Grove.');
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
    const input: ApiParsedInput<'trainExpert'> = apiSchemas.trainExpert.input.parse(raw);
    const { forestId, seed } = this.forest();
    const domain = this.catalog.domains(forestId).find((d) => d.name === input.domain);
    if (!domain?.statsJson) throw new GroveError('not_found', `No ingested domain "${input.domain}" in this forest: add its folder first.`, { domain: input.domain });
    const stats = JSON.parse(domain.statsJson) as { trainable: boolean; message: string; splits: { train: { tokens: number } } };
    if (!stats.trainable) throw new GroveError('bad_input', `Domain "${input.domain}" cannot be trained on yet: ${stats.message}`, { domain: input.domain });
    const name = input.name ?? input.domain;
    const seedRef = this.storedRef(seed.id);
    const seedModel = modelById(this.catalog, seed.id);
    const config = parseModelConfig(JSON.parse(seedModel.architectureJson));
    // A seed trained here was trained from scratch; one imported from a folder is a pretrained model to fine-tune.
    const pretrained = listRuns(this.catalog, forestId).every((r) => r.modelId !== seed.id);
    const settings = forestTrainingSettings(this.catalog, forestId, config, pretrained);
    const budget = input.budget ?? defaultBudget(stats.splits.train.tokens, settings);
    const jobBudget = budgetToJob(budget, settings);
    const candidates = forestExperts(this.catalog, forestId).map((e) => this.storedRef(e.id));
    const cached = loadPrior(this.catalog, forestId, priorTarget.domain(input.domain));
    const ids = new Set(candidates.map((c) => c.id));
    const fresh = cached && cached.modelIds.length === ids.size && cached.modelIds.every((id) => ids.has(id)) ? cached : null;

    const { modelId, runId, runDir } = this.catalog.db.transaction(() => {
      this.claimName(forestId, name);
      const modelId = insertModel(this.catalog, {
        forestId,
        name,
        role: 'expert',
        domainId: domain.id,
        weightsSha256: null,
        weightsBytes: null,
        architectureJson: seedModel.architectureJson,
        tokenizerSha256: seedModel.tokenizerSha256,
        status: 'training',
      });
      const runId = insertRun(this.catalog, { modelId, domainId: domain.id, config: { settings, budget, init: input.init, topK: input.topK }, totalSteps: 'steps' in jobBudget ? jobBudget.steps : 0, device: input.device, runDir: '', initSha256: null });
      const runDir = join(runsDir(this.forestHome), String(runId));
      this.catalog.db.prepare('UPDATE runs SET run_dir = ? WHERE id = ?').run(runDir, runId);
      return { modelId, runId, runDir };
    })();
    const payload: ExpertJobPayload = {
      modelId,
      name,
      domain: input.domain,
      domainDir: domainDir(this.forestHome, input.domain),
      runDir,
      branch: { init: input.init, topK: input.topK, candidates, seed: seedRef, prior: fresh ? { modelIds: fresh.modelIds, weights: fresh.weights, sequences: fresh.sequences } : null },
      train: { runId, settings, budget: jobBudget, device: input.device },
    };
    const job = this.jobs.enqueueJob('expert', payload);
    setRunJob(this.catalog, runId, job.id);
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
