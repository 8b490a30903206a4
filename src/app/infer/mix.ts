// Which models answer and how they are weighed, resolved against the catalog: the forest's experts (or its
// seed), a stored prior (btm.md "Cached prior") or the uniform one, the posterior settings, manual weights.
// The result is the plain-JSON mix a reply runs with, and what to record about it with the message.
import { existsSync } from 'node:fs';
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { findModel } from '../catalog/models';
import { uniform } from '../../engine/forest/distribution';
import { forestExperts, forestSeed } from '../forest/experts';
import { priorOver } from '../../engine/forest/prior-over';
import { loadPrior, parsePriorTarget, priorTarget } from '../forest/prior-store';
import { storedModelFolder } from '../store/model-store';
import { clustererDir, loadClusterer, noClustererError } from '../forest/clusterer-store';
import { routedExperts } from '../../engine/forest/cluster-routing';
import type { ReplyMix, ReplyModel } from './reply';

/** Recent tokens the context posterior reads by default: long chats do not let one expert win forever. */
export const DEFAULT_POSTERIOR_WINDOW = 256;

export interface MixSpec {
  /** Model names (or ids) of the forest; default: its ready experts, or its seed when it has none. */
  models?: string[];
  /** Fixed weights by model name: the models are these, and the posterior does not move. */
  weights?: Record<string, number>;
  /**
   * auto: the cached prior of the target(s) if one is stored, else uniform. cached: the stored prior, or
   * an error naming `grove prior`. uniform: 1/k.
   */
  prior?: 'auto' | 'cached' | 'uniform';
  /** Prior targets to look up, in order (e.g. ['chat:3', 'mix']); default ['mix']. */
  targets?: string[];
  posterior?: 'context' | 'last-token';
  /** Context posterior window in tokens; null = the whole context. Default DEFAULT_POSTERIOR_WINDOW. */
  window?: number | null;
  /** Run only the k experts of largest prior (with cluster routing: of largest routing weight). */
  topK?: number;
  /**
   * posterior (default): the domain posterior over the prior. clusters (c-BTM): the forest's discovered experts
   * weighed by the distance of the text to their clusters' centres (the clusterer stored at discovery), no expert
   * run to route, fixed for the reply.
   */
  routing?: 'posterior' | 'clusters';
}

export interface ResolvedMix {
  mix: ReplyMix;
  /** The models that take part, in the order of the weights. */
  models: string[];
  /** The prior used: a target ('chat:3', 'mix', 'domain:law'), 'uniform', 'manual' or 'model'. */
  prior: string;
}

interface CatalogModel {
  id: number;
  ref: ReplyModel;
}

function catalogModel(catalog: Catalog, home: string, nameOrId: string): CatalogModel {
  const m = findModel(catalog, nameOrId);
  if (!m)
    throw new GroveError('not_found', `No model named ${JSON.stringify(nameOrId)} in this forest; see \`grove list\` for its models.`, {
      model: nameOrId,
    });
  const folder = m.weightsSha256 ? storedModelFolder(home, m.weightsSha256) : '';
  if (!folder || !existsSync(folder))
    throw new GroveError('conflict', `Model ${m.name} has no weights yet (is it still training?). Choose a ready model.`, {
      model: m.name,
    });
  if (!m.light) return { id: m.id, ref: { name: m.name, key: m.weightsSha256, folder } };
  // A light expert runs on its base's sessions with its adapter's feeds (light experts over one base batch together).
  const base = storedModelFolder(home, m.light.baseSha256);
  if (!existsSync(base))
    throw new GroveError(
      'conflict',
      `Light expert ${m.name} needs its base ${m.light.baseSha256.slice(0, 12)}…, which is no longer in the store. Import that base again, or remove the expert.`,
      { model: m.name },
    );
  return { id: m.id, ref: { name: m.name, key: m.light.baseSha256, folder: base, adapter: { key: m.weightsSha256, folder } } };
}

/** The prior over `ids` from the first target with a stored, current estimate; null if none. */
function cachedPrior(
  catalog: Catalog,
  forestId: number,
  ids: number[],
  targets: string[],
  strict: boolean,
): { prior: number[]; target: string } | null {
  for (const target of targets) {
    const stored = loadPrior(catalog, forestId, parsePriorTarget(target));
    if (!stored) continue;
    try {
      return { prior: priorOver(stored, ids), target };
    } catch (err) {
      // An estimate older than one of the experts: refused when asked for by name, skipped by auto.
      if (strict) throw err;
    }
  }
  if (strict) {
    // `grove prior` estimates on held-out text of a domain, a folder or the mix (a chat's prior is the app's).
    const hint = targets.find((t) => !t.startsWith('chat:')) ?? priorTarget.mix;
    throw new GroveError(
      'not_found',
      `No prior is stored for ${targets.join(' or ')}. Estimate one with \`grove prior --target ${hint}\`, or use --prior uniform.`,
      { targets },
    );
  }
  return null;
}

/**
 * Resolves a mix over models of the forest. `external` models (folders outside the catalog, from the
 * command line) can take part with uniform or manual weights only: they have no stored priors. Without a
 * catalog (a model folder used with no forest), only external models can take part.
 */
export function resolveMix(catalog: Catalog | null, home: string, spec: MixSpec, external: ReplyModel[] = []): ResolvedMix {
  const forest = catalog?.forest() ?? null;
  const inForest = (name: string): CatalogModel => {
    if (!catalog || !forest)
      throw new GroveError(
        'not_found',
        `There is no forest in ${home}, so ${JSON.stringify(name)} names no model; give a model folder, or create a forest with grove init --from <model folder>.`,
        { model: name },
      );
    return catalogModel(catalog, home, name);
  };
  const posterior = spec.posterior ?? 'context';
  const window = posterior === 'last-token' ? null : spec.window === undefined ? DEFAULT_POSTERIOR_WINDOW : spec.window;

  if (spec.routing === 'clusters') {
    if (spec.weights || spec.models?.length || external.length > 0) {
      throw new GroveError(
        'bad_input',
        `Cluster routing weighs the experts discovery grew, by the clusterer; it takes no ${spec.weights ? 'manual weights' : 'list of models'}. Leave out ${spec.weights ? '--weights' : '--model'}, or route by the posterior.`,
      );
    }
    if (!catalog || !forest) throw new GroveError('not_found', `There is no forest in ${home}, so there is no clusterer to route by.`);
    const router = loadClusterer(home);
    if (!router) throw noClustererError('or route by the posterior');
    const refs = routedExperts(router).map((name) => inForest(name).ref);
    if (spec.topK !== undefined && !(Number.isInteger(spec.topK) && spec.topK >= 1))
      throw new GroveError('bad_input', `Top-k experts is ${spec.topK}; give a whole number >= 1.`);
    const topK = spec.topK !== undefined && spec.topK < refs.length ? spec.topK : null;
    return {
      mix: {
        kind: 'ensemble',
        experts: refs,
        prior: refs.map(() => 1 / refs.length),
        weighting: { kind: 'clusters', clusterer: clustererDir(home), topK },
      },
      models: refs.map((r) => r.name),
      prior: 'clusters',
    };
  }

  if (spec.weights) {
    const entries = Object.entries(spec.weights).filter(([, w]) => w > 0);
    if (entries.length === 0)
      throw new GroveError('bad_input', 'Manual weights: every weight is 0. Give at least one model a weight above 0.');
    const refs = entries.map(([name]) => external.find((e) => e.name === name) ?? inForest(name).ref);
    const weights = entries.map(([, w]) => w);
    if (refs.length === 1) return { mix: { kind: 'single', model: refs[0]! }, models: [refs[0]!.name], prior: 'manual' };
    return {
      mix: { kind: 'ensemble', experts: refs, prior: weights, weighting: { kind: 'fixed' } },
      models: refs.map((r) => r.name),
      prior: 'manual',
    };
  }

  let members: CatalogModel[];
  if (spec.models?.length) members = spec.models.map(inForest);
  else if (external.length > 0) members = [];
  else {
    if (!catalog || !forest)
      throw new GroveError(
        'not_found',
        `There is no forest in ${home} yet. Create one with grove init --from <model folder>, or name a model folder.`,
      );
    const experts = forestExperts(catalog, forest.id);
    members = (experts.length > 0 ? experts : [forestSeed(catalog, forest.id)]).map((e) => catalogModel(catalog, home, e.name));
  }
  const refs = [...members.map((m) => m.ref), ...external];
  if (new Set(refs.map((r) => r.name)).size !== refs.length)
    throw new GroveError('bad_input', `A model is named twice (${refs.map((r) => r.name).join(', ')}). Name each model once.`);
  if (refs.length === 1) return { mix: { kind: 'single', model: refs[0]! }, models: [refs[0]!.name], prior: 'model' };

  const kind = spec.prior ?? 'auto';
  const targets = spec.targets?.length ? spec.targets : [priorTarget.mix];
  let prior = uniform(refs.length);
  let used = 'uniform';
  if (kind !== 'uniform') {
    if (external.length > 0) {
      if (kind === 'cached')
        throw new GroveError(
          'bad_input',
          `A cached prior covers models of the forest only; ${external.map((e) => e.name).join(', ')} ${external.length === 1 ? 'is a folder' : 'are folders'}. Use --prior uniform or --weights.`,
        );
    } else {
      const found = cachedPrior(
        catalog!,
        forest!.id,
        members.map((m) => m.id),
        targets,
        kind === 'cached',
      );
      if (found) ({ prior, target: used } = found);
    }
  }
  if (spec.topK !== undefined && !(Number.isInteger(spec.topK) && spec.topK >= 1))
    throw new GroveError('bad_input', `Top-k experts is ${spec.topK}; give a whole number >= 1.`);
  const topK = spec.topK !== undefined && spec.topK < refs.length ? { k: spec.topK, by: 'prior' as const } : null;
  return {
    mix: { kind: 'ensemble', experts: refs, prior, weighting: { kind: 'posterior', posterior, window, topK } },
    models: refs.map((r) => r.name),
    prior: used,
  };
}
