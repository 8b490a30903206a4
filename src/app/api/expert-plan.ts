// Planning an expert job: checks the domain and the name against the catalog, sizes the training to the
// forest, and writes the rows the job starts from (the model, status 'training', weights to come; its run).
// Shared by trainExpert and by the sample forest, which plans one expert per genre after its seed.
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { ApiParsedInput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import type { ExpertBudget, LightSettings, RunEstimate, TrainBudget } from '../../shared/api/schemas-forest';
import { LORA_TARGETS } from '../../engine/model/lora';
import { runsDir } from '../home';
import { findModel, forestOfModel, insertModel, modelById, modelHoldingName, renameModel } from '../catalog/models';
import { insertRun, listRuns, setRunDir, unfinishedJobOfModel } from '../catalog/runs';
import { forestExperts, forestSeed } from '../forest/experts';
import { loadPrior, priorTarget } from '../forest/prior-store';
import { parseModelConfig } from '../../engine/model/config';
import { domainDir } from '../store/domains';
import type { ExpertJobPayload } from '../store/expert-job';
import {
  budgetToJob,
  expertBudget,
  forestTrainingSettings,
  lightTrainingSettings,
  type TrainingSettings,
} from '../store/training-settings';

type StoredRef = { id: number; name: string; sha256: string; tokenizerSha256: string | null };

/** A model of the forest with its stored weights and tokenizer, as a job payload names it. */
export function storedRef(catalog: Catalog, id: number): StoredRef {
  const m = modelById(catalog, id);
  if (!m.weightsSha256)
    throw new GroveError('conflict', `Model "${m.name}" has no weights yet: its branch has not finished.`, { model: m.name });
  return { id: m.id, name: m.name, sha256: m.weightsSha256, tokenizerSha256: m.tokenizerSha256 };
}

type LightJob = NonNullable<ExpertJobPayload['light']>;

/** A light expert's job settings over `baseSha256`: rank 16, alpha 2r, every projection unless the person chose. */
export function lightJob(settings: LightSettings, baseSha256: string): LightJob {
  return {
    baseSha256,
    rank: settings.rank,
    alpha: settings.alpha ?? 2 * settings.rank,
    targets: settings.targets ?? [...LORA_TARGETS],
    ...(settings.start ? { start: settings.start } : {}),
  };
}

/**
 * The SVD start approximates an average of light parents; a branch with none (from the seed, asked for or
 * because the forest has no light experts over its seed) has nothing to approximate: refused before any work
 * (`grove add` checks before its ingest), with the way on.
 */
export function assertLightStartHasParents(catalog: Catalog, init: string, light: LightSettings | undefined): void {
  if (light?.start !== 'svd') return;
  const forest = catalog.forest();
  if (!forest) return; // planning refuses a home without a forest, with its own reason
  const seed = modelById(catalog, forestSeed(catalog, forest.id).id);
  const way = `leave out the SVD start (--light-start svd; the new light expert starts as a fresh adapter over ${seed.name})`;
  if (init === 'seed')
    throw new GroveError(
      'bad_input',
      `The SVD start approximates the average of light parents, and a branch from the seed alone (--init seed) has none: ${way}, or branch from the posterior over the light experts.`,
    );
  if (!seed.weightsSha256 || branchCandidates(catalog, forest.id, lightJob(light, seed.weightsSha256)).length > 0) return;
  const fullExperts = branchCandidates(catalog, forest.id, undefined).length;
  const full =
    fullExperts > 0
      ? ` (its ${fullExperts} full ${fullExperts === 1 ? 'expert is' : 'experts are'} no light expert's parent: a full expert's change to the seed is not low-rank)`
      : '';
  throw new GroveError(
    'bad_input',
    `The SVD start approximates the average of light parents, and this forest has no light experts over ${seed.name} yet${full}: ${way}, or train light experts first.`,
  );
}

/**
 * The experts a new expert may branch from: a full expert averages full experts; a light one averages the
 * light experts over its own base (their deltas are low-rank; a full expert's is not).
 */
export function branchCandidates(catalog: Catalog, forestId: number, light: LightJob | undefined): StoredRef[] {
  return forestExperts(catalog, forestId)
    .filter((e) => {
      const facts = modelById(catalog, e.id).light;
      return light ? facts?.baseSha256 === light.baseSha256 : facts === null;
    })
    .map((e) => storedRef(catalog, e.id));
}

/** A name is taken by a live model; a removed model's name is freed (its row keeps the history, renamed). */
export function claimModelName(catalog: Catalog, forestId: number, name: string): void {
  const taken = modelHoldingName(catalog, forestId, name);
  if (!taken) return;
  if (taken.status !== 'removed')
    throw new GroveError('conflict', `The forest already has a model named "${name}"; choose another name.`, { name });
  renameModel(catalog, taken.id, `${name} (removed #${taken.id})`);
}

/** Whether the seed came from outside (an imported, pretrained model) rather than a seed phase run here. */
export function seedIsPretrained(catalog: Catalog, forestId: number, seedId: number): boolean {
  return listRuns(catalog, forestId).every((r) => r.modelId !== seedId);
}

export interface DomainTraining {
  forestId: number;
  domain: { id: number; name: string };
  /** The domain's training tokens (the default budget's two passes are over these). */
  trainTokens: number;
  settings: TrainingSettings;
  budget: TrainBudget;
  jobBudget: { steps: number } | { minutes: number };
  seedModel: ReturnType<typeof modelById>;
}

/** What one training overrides of the forest's settings (the API's threads and checkpoint fields). */
export interface Overrides {
  threads?: number | undefined;
  checkpoint?: { steps?: number | undefined; minutes?: number | undefined } | undefined;
}

/** The forest's settings with what one training overrides (threads, checkpoint intervals). */
export function withOverrides(settings: TrainingSettings, o: Overrides): TrainingSettings {
  return {
    ...settings,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.checkpoint?.steps !== undefined ? { checkpointEverySteps: o.checkpoint.steps } : {}),
    ...(o.checkpoint?.minutes !== undefined ? { checkpointMinutes: o.checkpoint.minutes } : {}),
  };
}

/** The domain to train on (ingested and big enough), and the forest's training settings (a light expert's, for one) and budget for it. */
export function domainTraining(
  catalog: Catalog,
  domainName: string,
  budget: ExpertBudget | undefined,
  o: Overrides,
  light: boolean,
): DomainTraining {
  const forest = catalog.forest();
  if (!forest)
    throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
  const domain = catalog.domains(forest.id).find((d) => d.name === domainName);
  if (!domain?.statsJson)
    throw new GroveError('not_found', `No ingested domain "${domainName}" in this forest: add its folder first.`, { domain: domainName });
  const stats = JSON.parse(domain.statsJson) as { trainable: boolean; message: string; splits: { train: { tokens: number } } };
  if (!stats.trainable)
    throw new GroveError('bad_input', `Domain "${domainName}" cannot be trained on yet: ${stats.message}`, { domain: domainName });
  return { ...plannedTraining(catalog, stats.splits.train.tokens, budget, o, light), domain: { id: domain.id, name: domain.name } };
}

/**
 * The forest's training settings and the budget for this many training tokens, before there is a domain row:
 * what a domain still to be ingested (a discovered cluster's, with the tokens its split will give) would train with.
 */
export function plannedTraining(
  catalog: Catalog,
  trainTokens: number,
  budget: ExpertBudget | undefined,
  o: Overrides,
  light: boolean,
): Omit<DomainTraining, 'domain'> {
  const forest = catalog.forest();
  if (!forest)
    throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
  const seed = forestSeed(catalog, forest.id);
  const seedModel = modelById(catalog, seed.id);
  const expertSettings = forestTrainingSettings(
    catalog,
    forest.id,
    parseModelConfig(JSON.parse(seedModel.architectureJson)),
    seedIsPretrained(catalog, forest.id, seed.id),
  );
  const settings = withOverrides(light ? lightTrainingSettings(expertSettings) : expertSettings, o);
  const chosen = expertBudget(budget, trainTokens, settings);
  return { forestId: forest.id, trainTokens, settings, budget: chosen, jobBudget: budgetToJob(chosen, settings), seedModel };
}

/** The run row of a training, and its folder (runs/<id>). */
function newRun(
  catalog: Catalog,
  home: string,
  modelId: number,
  t: DomainTraining,
  extra: Record<string, unknown>,
  device: string,
  estimate?: RunEstimate,
): { runId: number; runDir: string } {
  const runId = insertRun(catalog, {
    modelId,
    domainId: t.domain.id,
    config: { settings: t.settings, budget: t.budget, ...extra },
    totalSteps: 'steps' in t.jobBudget ? t.jobBudget.steps : 0,
    device,
    runDir: '',
    initSha256: null,
    ...(estimate ? { estimate } : {}),
  });
  const runDir = join(runsDir(home), String(runId));
  setRunDir(catalog, runId, runDir);
  return { runId, runDir };
}

/**
 * A new expert: its row (status 'training', weights to come), its run unless it is a branch alone, and the job;
 * the run keeps the estimate shown before it, where the caller made one.
 */
export function planExpert(catalog: Catalog, home: string, input: ApiParsedInput<'trainExpert'>, estimate?: RunEstimate): ExpertJobPayload {
  const t = domainTraining(catalog, input.domain, input.budget, input, input.light !== undefined);
  const name = input.name ?? input.domain;
  const seedRef = storedRef(catalog, t.seedModel.id);
  const light = input.light ? lightJob(input.light, seedRef.sha256) : undefined;
  const candidates = branchCandidates(catalog, t.forestId, light);
  assertLightStartHasParents(catalog, input.init, input.light);
  // A cached prior of this domain is reused only if it covers exactly today's experts.
  const cached = loadPrior(catalog, t.forestId, priorTarget.domain(input.domain));
  const ids = new Set(candidates.map((c) => c.id));
  const fresh = cached && cached.modelIds.length === ids.size && cached.modelIds.every((id) => ids.has(id)) ? cached : null;

  return catalog.transaction((): ExpertJobPayload => {
    claimModelName(catalog, t.forestId, name);
    const modelId = insertModel(catalog, {
      forestId: t.forestId,
      name,
      role: 'expert',
      domainId: t.domain.id,
      weightsSha256: null,
      weightsBytes: null,
      architectureJson: t.seedModel.architectureJson,
      tokenizerSha256: t.seedModel.tokenizerSha256,
      status: 'training',
      light: light ? { baseSha256: light.baseSha256, lora: { rank: light.rank, alpha: light.alpha, targets: light.targets } } : null,
    });
    const run = input.branchOnly
      ? null
      : newRun(catalog, home, modelId, t, { init: input.init, topK: input.topK, ...(light ? { light } : {}) }, input.device, estimate);
    return {
      modelId,
      name,
      domain: input.domain,
      domainDir: domainDir(home, input.domain),
      runDir: run?.runDir ?? join(runsDir(home), `branch-${modelId}`),
      ...(light ? { light } : {}),
      branch: {
        init: input.init,
        topK: input.topK,
        candidates,
        seed: seedRef,
        prior: fresh ? { modelIds: fresh.modelIds, weights: fresh.weights, sequences: fresh.sequences } : null,
      },
      ...(run ? { train: { runId: run.runId, settings: t.settings, budget: t.jobBudget, device: input.device } } : {}),
    };
  });
}

/** More training for a model of the forest (a branched expert, or a ready one), from its current weights. */
export function planTraining(
  catalog: Catalog,
  home: string,
  input: ApiParsedInput<'trainModel'>,
): ExpertJobPayload & { train: NonNullable<ExpertJobPayload['train']> } {
  const model = findModel(catalog, input.model);
  if (!model)
    throw new GroveError('not_found', `No model "${input.model}" with weights in this forest; \`grove list\` shows the models.`, {
      model: input.model,
    });
  const row = modelById(catalog, model.id);
  const ownDomain =
    row.domainId === null ? undefined : catalog.domains(forestOfModel(catalog, model.id)).find((d) => d.id === row.domainId)?.name;
  const domainName = input.domain ?? ownDomain;
  if (!domainName)
    throw new GroveError('bad_input', `"${model.name}" has no domain of its own: name the domain to train it on.`, { model: model.name });
  const t = domainTraining(catalog, domainName, input.budget, input, row.light !== null);
  const busy = unfinishedJobOfModel(catalog, model.id, ['queued', 'running', 'paused']);
  if (busy !== null)
    throw new GroveError('conflict', `"${model.name}" is being trained already (job ${busy}): resume or cancel that job.`, { job: busy });
  const run = newRun(catalog, home, model.id, t, { from: model.weightsSha256 }, input.device);
  const light = model.light
    ? { baseSha256: model.light.baseSha256, ...model.light.lora, targets: [...model.light.lora.targets] }
    : undefined;
  return {
    modelId: model.id,
    name: model.name,
    domain: domainName,
    domainDir: domainDir(home, domainName),
    runDir: run.runDir,
    startSha256: model.weightsSha256,
    ...(light ? { light } : {}),
    train: { runId: run.runId, settings: t.settings, budget: t.jobBudget, device: input.device },
  };
}
