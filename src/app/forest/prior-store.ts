// Cached priors in the catalog's `priors` table (catalog/priors.ts), one per (forest, target); a target is a
// domain, a folder, a chat or the mix (btm.md "Cached prior"). Checked before they are stored; read back
// aligned to the experts in use.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { forestIdOf } from '../catalog/models';
import { priorRow, priorTargets, upsertPrior } from '../catalog/priors';
import { normaliseDistribution } from '../../engine/forest/distribution';

/** What a prior was estimated on: 'domain:NAME', 'folder:PATH', 'chat:ID' or 'mix'. */
export type PriorTarget = `domain:${string}` | `folder:${string}` | `chat:${number}` | 'mix';

export const priorTarget = {
  domain: (name: string): PriorTarget => parsePriorTarget(`domain:${name}`),
  folder: (path: string): PriorTarget => parsePriorTarget(`folder:${path}`),
  chat: (id: number): PriorTarget => parsePriorTarget(`chat:${id}`),
  mix: 'mix' as PriorTarget,
};

/** Checks a target string; refuses anything but the four kinds. */
export function parsePriorTarget(target: string): PriorTarget {
  if (target === 'mix') return target;
  const m = /^(domain|folder|chat):(.+)$/s.exec(target);
  if (m && (m[1] !== 'chat' || /^[1-9]\d*$/.test(m[2]!))) return target as PriorTarget;
  throw new GroveError(
    'bad_input',
    `prior target "${target}" is not one of domain:NAME, folder:PATH, chat:ID (a positive whole number) or mix. Name what the prior was estimated on.`,
    { target },
  );
}

export interface StoredPrior {
  forestId: number;
  target: PriorTarget;
  /** Catalog model ids, in the order of `weights`. */
  modelIds: number[];
  weights: number[];
  /** Held-out sequences the estimate read. */
  sequences: number;
  createdAt: string;
}

export type NewPrior = Omit<StoredPrior, 'createdAt'>;

/** Stores (or replaces) the prior of one target; the experts must be models of that forest. */
export function savePrior(catalog: Catalog, prior: NewPrior): StoredPrior {
  const target = parsePriorTarget(prior.target);
  if (prior.modelIds.length !== prior.weights.length) {
    throw new GroveError(
      'bad_input',
      `prior ${target}: ${prior.modelIds.length} experts but ${prior.weights.length} weights. Give one weight per expert.`,
    );
  }
  if (new Set(prior.modelIds).size !== prior.modelIds.length)
    throw new GroveError('bad_input', `prior ${target}: an expert is listed twice (${prior.modelIds.join(', ')}). List each expert once.`);
  if (!Number.isInteger(prior.sequences) || prior.sequences < 0)
    throw new GroveError('bad_input', `prior ${target}: sequences is ${prior.sequences}; it must be a whole number >= 0.`);
  const weights = normaliseDistribution(
    prior.weights,
    `prior ${target}`,
    prior.modelIds.map((id) => `model ${id}`),
  );
  for (const id of prior.modelIds) {
    if (forestIdOf(catalog, id) !== prior.forestId)
      throw new GroveError(
        'not_found',
        `prior ${target}: model ${id} is not in forest ${prior.forestId}. Estimate priors over this forest's experts only.`,
        { modelId: id },
      );
  }
  upsertPrior(catalog, { forestId: prior.forestId, target, modelIds: prior.modelIds, weights, sequences: prior.sequences });
  return loadPrior(catalog, prior.forestId, target)!;
}

/** The stored prior of one target, or null when none was estimated yet. */
export function loadPrior(catalog: Catalog, forestId: number, target: string): StoredPrior | null {
  const row = priorRow(catalog, forestId, parsePriorTarget(target));
  return row ? { ...row, target: row.target as PriorTarget } : null;
}

/** Every stored prior of a forest, by target. */
export function listPriors(catalog: Catalog, forestId: number): StoredPrior[] {
  return priorTargets(catalog, forestId).map((target) => loadPrior(catalog, forestId, target)!);
}
