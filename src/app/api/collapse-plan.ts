// Planning a collapse (store/collapse-job.ts) or a trial of the merge methods (store/collapse-trial-job.ts): the
// weighting as the worker takes it (manual weights in the models' order, the posterior with its cached prior and
// target text), and a method's settings and base (whether it takes that many models: merge/registry.ts). Shared by both calls.
import { GroveError } from '../../shared/api/errors';
import type { MergeMethodName, MergeSettings } from '../../shared/api/merge-methods';
import type { CollapseWeightingInput } from '../../shared/api/schemas-forest';
import type { Catalog } from '../catalog/catalog';
import { forestSeed } from '../forest/experts';
import { mergeMethod } from '../../engine/forest/merge/registry';
import type { CollapseJobPayload } from '../store/collapse-job';
import type { StoredRef } from '../store/prior-job';
import { storedRef } from './expert-plan';
import type { PathRoots } from './path-roots';
import { cachedPriorOver } from './evaluation-plan';
import { targetText } from './prior-target';

/** The weighting as the worker takes it; manual weights naming a model not collapsed are refused by name. */
export function collapseWeighting(
  catalog: Catalog,
  home: string,
  paths: PathRoots,
  forestId: number,
  models: readonly StoredRef[],
  w: CollapseWeightingInput,
): CollapseJobPayload['weighting'] {
  if (w.kind === 'uniform') return w;
  if (w.kind === 'manual') {
    const known = new Set(models.map((m) => m.name));
    const unknown = Object.keys(w.weights).filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new GroveError(
        'not_found',
        `Manual weights name ${unknown.join(', ')}, which ${unknown.length > 1 ? 'are' : 'is'} not among the models collapsed (${[...known].join(', ')}).`,
        { unknown },
      );
    return { kind: 'manual', weights: models.map((m) => w.weights[m.name] ?? 0) };
  }
  return {
    kind: 'posterior',
    target: w.target,
    prior: cachedPriorOver(catalog, forestId, w.target, models),
    text: targetText(catalog, home, forestId, w.target, paths),
  };
}

/** How many models a weighting merges (a manual weight of 0 leaves a model out). */
export function modelsUsed(weighting: CollapseJobPayload['weighting'], models: readonly StoredRef[]): number {
  return weighting.kind === 'manual' ? weighting.weights.filter((x) => x > 0).length : models.length;
}

/** The settings a method merges with: SLERP walks half way unless told otherwise. */
export function methodSettings(name: MergeMethodName, settings: MergeSettings): MergeSettings {
  return name === 'slerp' && settings.t === undefined ? { ...settings, t: 0.5 } : settings;
}

/** The task-vector methods take the forest's seed as their base; the others none. */
export function methodBase(catalog: Catalog, forestId: number, name: MergeMethodName): StoredRef | null {
  return mergeMethod(name).needsBase ? storedRef(catalog, forestSeed(catalog, forestId).id) : null;
}
