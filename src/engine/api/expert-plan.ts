// Planning an expert job: checks the domain and the name against the catalog, sizes the training to the
// forest, and writes the rows the job starts from (the model, status 'training', weights to come; its run).
// Shared by trainExpert and by the sample forest, which plans one expert per genre after its seed.
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { ApiParsedInput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { insertModel, modelById } from '../catalog/models';
import { insertRun, listRuns } from '../catalog/runs';
import { forestExperts, forestSeed } from '../forest/experts';
import { loadPrior, priorTarget } from '../forest/prior-store';
import { parseModelConfig } from '../model/config';
import { domainDir } from '../store/domains';
import type { ExpertJobPayload } from '../store/expert-job';
import { budgetToJob, defaultBudget, forestTrainingSettings } from '../store/training-settings';

export function runsDir(home: string): string {
  return join(home, 'runs');
}

type StoredRef = { id: number; name: string; sha256: string; tokenizerSha256: string | null };

/** A model of the forest with its stored weights and tokenizer, as a job payload names it. */
export function storedRef(catalog: Catalog, id: number): StoredRef {
  const m = modelById(catalog, id);
  if (!m.weightsSha256) throw new GroveError('conflict', `Model "${m.name}" has no weights yet: its branch has not finished.`, { model: m.name });
  return { id: m.id, name: m.name, sha256: m.weightsSha256, tokenizerSha256: m.tokenizerSha256 };
}

/** A name is taken by a live model; a removed model's name is freed (its row keeps the history, renamed). */
export function claimModelName(catalog: Catalog, forestId: number, name: string): void {
  const taken = catalog.db.prepare('SELECT id, status FROM models WHERE forest_id = ? AND name = ?').get(forestId, name) as { id: number; status: string } | undefined;
  if (!taken) return;
  if (taken.status !== 'removed') throw new GroveError('conflict', `The forest already has a model named "${name}"; choose another name.`, { name });
  catalog.db.prepare('UPDATE models SET name = ? WHERE id = ?').run(`${name} (removed #${taken.id})`, taken.id);
}

/** Whether the seed came from outside (an imported, pretrained model) rather than a seed phase run here. */
export function seedIsPretrained(catalog: Catalog, forestId: number, seedId: number): boolean {
  return listRuns(catalog, forestId).every((r) => r.modelId !== seedId);
}

export function planExpert(catalog: Catalog, home: string, input: ApiParsedInput<'trainExpert'>): ExpertJobPayload & { train: NonNullable<ExpertJobPayload['train']> } {
  const forest = catalog.forest();
  if (!forest) throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
  const seed = forestSeed(catalog, forest.id);
  const domain = catalog.domains(forest.id).find((d) => d.name === input.domain);
  if (!domain?.statsJson) throw new GroveError('not_found', `No ingested domain "${input.domain}" in this forest: add its folder first.`, { domain: input.domain });
  const stats = JSON.parse(domain.statsJson) as { trainable: boolean; message: string; splits: { train: { tokens: number } } };
  if (!stats.trainable) throw new GroveError('bad_input', `Domain "${input.domain}" cannot be trained on yet: ${stats.message}`, { domain: input.domain });
  const name = input.name ?? input.domain;
  const seedModel = modelById(catalog, seed.id);
  const settings = forestTrainingSettings(catalog, forest.id, parseModelConfig(JSON.parse(seedModel.architectureJson)), seedIsPretrained(catalog, forest.id, seed.id));
  const budget = input.budget ?? defaultBudget(stats.splits.train.tokens, settings);
  const jobBudget = budgetToJob(budget, settings);
  const candidates = forestExperts(catalog, forest.id).map((e) => storedRef(catalog, e.id));
  // A cached prior of this domain is reused only if it covers exactly today's experts.
  const cached = loadPrior(catalog, forest.id, priorTarget.domain(input.domain));
  const ids = new Set(candidates.map((c) => c.id));
  const fresh = cached && cached.modelIds.length === ids.size && cached.modelIds.every((id) => ids.has(id)) ? cached : null;

  return catalog.db.transaction(() => {
    claimModelName(catalog, forest.id, name);
    const modelId = insertModel(catalog, {
      forestId: forest.id,
      name,
      role: 'expert',
      domainId: domain.id,
      weightsSha256: null,
      weightsBytes: null,
      architectureJson: seedModel.architectureJson,
      tokenizerSha256: seedModel.tokenizerSha256,
      status: 'training',
    });
    const runId = insertRun(catalog, {
      modelId,
      domainId: domain.id,
      config: { settings, budget, init: input.init, topK: input.topK },
      totalSteps: 'steps' in jobBudget ? jobBudget.steps : 0,
      device: input.device,
      runDir: '',
      initSha256: null,
    });
    const runDir = join(runsDir(home), String(runId));
    catalog.db.prepare('UPDATE runs SET run_dir = ? WHERE id = ?').run(runDir, runId);
    return {
      modelId,
      name,
      domain: input.domain,
      domainDir: domainDir(home, input.domain),
      runDir,
      branch: { init: input.init, topK: input.topK, candidates, seed: storedRef(catalog, seed.id), prior: fresh ? { modelIds: fresh.modelIds, weights: fresh.weights, sequences: fresh.sequences } : null },
      train: { runId, settings, budget: jobBudget, device: input.device },
    };
  })();
}
