// Planning an evaluate job (store/evaluate-job.ts): the domains to score on (default: every ingested one), the
// experts' ensemble with each domain's cached prior where one is stored, on request the experts the forest's
// clusterer routes to (their cluster-routed ensemble), and the forest's context length. Shared
// by the Evaluate button and `grove eval`'s service path, and by the dense baseline's comparison (kinds/baseline.ts).
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { liveModelNamed, modelById } from '../catalog/models';
import { forestExperts, forestSeed } from '../forest/experts';
import { priorOver } from '../../engine/forest/prior-over';
import { loadPrior } from '../forest/prior-store';
import { parseModelConfig } from '../../engine/model/config';
import { domainDir } from '../store/domains';
import type { EvaluateJobPayload } from '../store/evaluate-job';
import type { StoredRef } from '../store/prior-job';
import { forestTrainingSettings } from '../store/training-settings';
import { routedExpertsToScore } from './cluster-routing-plan';
import { seedIsPretrained, storedRef } from './expert-plan';

/** Tokens scored per model and domain by an evaluation (the app's and `grove eval`'s): a fair sample that keeps the heatmap quick. */
export const EVAL_MAX_TOKENS = 65_536;

/** The window where no forest says one (`grove eval` of model folders outside a forest). */
export const EVAL_CONTEXT_WITHOUT_FOREST = 256;

export interface EvaluationChoice {
  /** Domain names (default: every ingested domain of the forest). */
  domains?: readonly string[] | undefined;
  /** Score the ready experts' ensemble too (when there are two or more). */
  ensemble: boolean;
  /** Score the experts' cluster-routed ensemble too (the forest's clusterer must route to two or more ready experts). */
  clusterRouted?: boolean | undefined;
  split: EvaluateJobPayload['split'];
}

/** The stored prior of a target over exactly these models, in their order, if there is one. */
export function cachedPriorOver(catalog: Catalog, forestId: number, target: string, models: readonly StoredRef[]): number[] | null {
  const stored = loadPrior(catalog, forestId, target);
  if (!stored || stored.modelIds.length !== models.length || !models.every((m) => stored.modelIds.includes(m.id))) return null;
  return priorOver(
    stored,
    models.map((m) => m.id),
  );
}

/** The evaluate job's payload for these models on the chosen domains; refused when the forest has no ingested domain. */
export function planEvaluation(
  catalog: Catalog,
  home: string,
  forestId: number,
  models: StoredRef[],
  choice: EvaluationChoice,
): EvaluateJobPayload {
  const all = catalog.domains(forestId).filter((d) => d.statsJson);
  const domains = (choice.domains ?? all.map((d) => d.name)).map((name) => {
    const d = all.find((x) => x.name === name);
    if (!d) throw new GroveError('not_found', `No ingested domain "${name}" in this forest.`, { domain: name });
    return { name, id: d.id, dir: domainDir(home, name) };
  });
  if (domains.length === 0) throw new GroveError('conflict', 'The forest has no ingested domains to evaluate on: add a domain first.');
  const experts = forestExperts(catalog, forestId).map((e) => storedRef(catalog, e.id));
  const priors = Object.fromEntries(
    domains.flatMap((d) => {
      const prior = cachedPriorOver(catalog, forestId, `domain:${d.name}`, experts);
      return prior ? [[d.name, prior]] : [];
    }),
  );
  const ensemble = choice.ensemble && experts.length >= 2 ? { experts, priors } : null;
  // Refused here, with the reason, rather than by a failed job: no clusterer, or one whose experts are gone.
  const routed = choice.clusterRouted
    ? {
        experts: routedExpertsToScore(catalog, home, forestId).map((name) =>
          storedRef(catalog, liveModelNamed(catalog, name, forestId)!.id),
        ),
      }
    : null;
  return {
    models,
    domains,
    ensemble,
    routed,
    split: choice.split,
    contextLength: forestContextLength(catalog, forestId),
    maxTokens: EVAL_MAX_TOKENS,
  };
}

/** The forest's context length: the window its models were trained on, and are scored with. */
export function forestContextLength(catalog: Catalog, forestId: number): number {
  const seed = modelById(catalog, forestSeed(catalog, forestId).id);
  return forestTrainingSettings(
    catalog,
    forestId,
    parseModelConfig(JSON.parse(seed.architectureJson)),
    seedIsPretrained(catalog, forestId, seed.id),
  ).contextLength;
}
