// Planning "Compare with one model" (issue 15): the dense baseline BTM is judged against. It starts from the
// forest's seed (both sides share the seed phase), trains for the training tokens the forest's ready experts
// received in all (their finished runs), with the forest's training settings, on the mix of those experts'
// domains' train splits, each in proportion to its size (windows drawn by tokens, as the seed phase mixes; the
// benchmark's dense model is trained the same way). This writes the rows the job starts from: the model (role
// 'baseline', status 'training'), its lineage (the seed at weight 1) and its run; the job trains it
// (store/expert-job.ts with mixDirs), then its owner queues the evaluation beside the forest (kinds/baseline.ts).
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { ApiParsedInput } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { insertModel, modelById, modelHoldingName } from '../catalog/models';
import { finishedRunTokens, insertRun, setRunDir } from '../catalog/runs';
import { forestExperts, forestSeed } from '../forest/experts';
import { recordLineage } from '../forest/lineage';
import { runsDir } from '../home';
import { parseModelConfig } from '../../engine/model/config';
import { domainDir } from '../store/domains';
import type { ExpertJobPayload } from '../store/expert-job';
import { budgetToJob, forestTrainingSettings } from '../store/training-settings';
import { claimModelName, seedIsPretrained, storedRef, withOverrides } from './expert-plan';

/** What the baseline's owner needs once it is trained: whom the verdict compares it with. */
export interface BaselineFollowUp {
  /** The forest's ready experts when the baseline was planned, and the domains they were trained on. */
  experts: string[];
  expertDomains: string[];
  trainingTokens: number;
}

export type BaselineJobPayload = ExpertJobPayload & { mixDirs: string[]; then: BaselineFollowUp };

/** The first free name of "baseline", "baseline-2", "baseline-3"... (a removed model's name is free). */
function freeBaselineName(catalog: Catalog, forestId: number): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? 'baseline' : `baseline-${n}`;
    const holder = modelHoldingName(catalog, forestId, name);
    if (!holder || holder.status === 'removed') return name;
  }
}

export function planBaseline(catalog: Catalog, home: string, input: ApiParsedInput<'compareWithBaseline'>): BaselineJobPayload {
  const forest = catalog.forest();
  if (!forest)
    throw new GroveError('not_found', 'This forest home has no forest yet: create one first (the sample forest, or `grove init`).');
  const experts = forestExperts(catalog, forest.id).map((e) => modelById(catalog, e.id));
  if (experts.length === 0)
    throw new GroveError(
      'conflict',
      'The forest has no trained experts yet, so there is nothing to compare with one model: train an expert first.',
    );
  const trainingTokens = finishedRunTokens(
    catalog,
    experts.map((e) => e.id),
  );
  if (trainingTokens === 0)
    throw new GroveError(
      'conflict',
      `The experts (${experts.map((e) => e.name).join(', ')}) have no finished training runs in this forest (imported ones?), so there is no compute to match: train an expert here first.`,
    );
  const byId = new Map(catalog.domains(forest.id).map((d) => [d.id, d]));
  const expertDomains = [
    ...new Set(experts.flatMap((e) => (e.domainId !== null && byId.get(e.domainId)?.statsJson ? [byId.get(e.domainId)!.name] : []))),
  ];
  if (expertDomains.length === 0)
    throw new GroveError(
      'conflict',
      'None of the experts has an ingested domain of its own to train the baseline on: add the domains again (grove ingest).',
    );

  const seedModel = modelById(catalog, forestSeed(catalog, forest.id).id);
  const seed = storedRef(catalog, seedModel.id);
  // The experts' own settings (a full model's, even where some experts are light: the baseline is one whole model).
  const settings = withOverrides(
    forestTrainingSettings(
      catalog,
      forest.id,
      parseModelConfig(JSON.parse(seedModel.architectureJson)),
      seedIsPretrained(catalog, forest.id, seedModel.id),
    ),
    input,
  );
  const budget = budgetToJob({ tokens: trainingTokens }, settings) as { steps: number };
  const then: BaselineFollowUp = { experts: experts.map((e) => e.name), expertDomains, trainingTokens };

  return catalog.transaction((): BaselineJobPayload => {
    const name = input.name ?? freeBaselineName(catalog, forest.id);
    claimModelName(catalog, forest.id, name);
    const modelId = insertModel(catalog, {
      forestId: forest.id,
      name,
      role: 'baseline',
      weightsSha256: null,
      weightsBytes: null,
      architectureJson: seedModel.architectureJson,
      tokenizerSha256: seedModel.tokenizerSha256,
      status: 'training',
    });
    recordLineage(catalog, modelId, [{ modelId: seed.id, weight: 1 }]);
    const runId = insertRun(catalog, {
      modelId,
      domainId: null,
      config: { settings, budget: { tokens: trainingTokens }, baseline: then },
      totalSteps: budget.steps,
      device: input.device,
      runDir: '',
      initSha256: seed.sha256,
    });
    const runDir = join(runsDir(home), String(runId));
    setRunDir(catalog, runId, runDir);
    return {
      modelId,
      name,
      domain: 'mix',
      mixDirs: expertDomains.map((d) => domainDir(home, d)),
      runDir,
      startSha256: seed.sha256,
      train: { runId, settings, budget, device: input.device },
      then,
    };
  });
}
