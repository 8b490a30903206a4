// The names the OpenAI-compatible endpoint answers to, and what each resolves to: every ready model of the
// forest by its name (experts, collapsed models, the seed, imported models), `forest` (every ready expert
// mixed by the live domain posterior over the cached prior, as the chat panel's "auto"), and each saved mix
// that can run now. With Grove's metadata for /v1/models: kind, parameters, domains, member models.
import { GroveError } from '../../shared/api/errors';
import type { ChatMix } from '../../shared/api/schemas-chat';
import type { ForestSummary } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { findMix, listMixes } from '../catalog/mixes';
import { findModel, modelById } from '../catalog/models';
import { forestSummary } from '../catalog/summary';
import { resolveMix, type ResolvedMix } from '../infer/mix';
import { mixSpecOf } from './chat-calls';
import { FOREST_MODEL_NAME, newerMixProblem, resolveSavedMix } from './mix-calls';

export type ServedKind = 'forest' | 'mix' | ForestSummary['models'][number]['role'];

export interface ServedModel {
  name: string;
  kind: ServedKind;
  /** When the model was made or the mix saved (the forest's creation for `forest`), ISO 8601. */
  createdAt: string;
  /** The models that run for it, in the order of their weights. */
  models: string[];
  /** The domains those models were trained on (a collapsed model: those of the models it was collapsed from). */
  domains: string[];
  /** Parameters of every model that runs, summed (an ensemble runs each expert per token); null if unknown. */
  parameters: number | null;
  /** A saved mix: how it mixes. */
  mix?: ChatMix;
}

type SummaryModel = ForestSummary['models'][number];

/** A model's domains: its own, or for a collapsed model those of its parents (a collapse has no domain of its own). */
function domainsOf(summary: ForestSummary, model: SummaryModel): string[] {
  if (model.domain) return [model.domain];
  const parents = summary.lineage.filter((e) => e.child === model.id).map((e) => summary.models.find((m) => m.id === e.parent));
  return [...new Set(parents.flatMap((p) => (p?.domain ? [p.domain] : [])))];
}

function ensembleFacts(summary: ForestSummary, names: string[]): Pick<ServedModel, 'models' | 'domains' | 'parameters'> {
  const members = names.map((n) => summary.models.find((m) => m.name === n));
  const parameters = members.every((m) => m?.parameters != null) ? members.reduce((s, m) => s + m!.parameters!, 0) : null;
  return { models: names, domains: [...new Set(members.flatMap((m) => (m ? domainsOf(summary, m) : [])))], parameters };
}

/** Everything the endpoint can be asked for, in /v1/models' order: `forest`, the saved mixes, then the models. */
export function servedModels(catalog: Catalog, home: string): ServedModel[] {
  const summary = forestSummary(catalog);
  if (!summary.forest) return [];
  const ready = summary.models.filter((m) => m.status === 'ready');
  const out: ServedModel[] = [];
  const forest = resolveServedModel(catalog, home, FOREST_MODEL_NAME);
  if (forest)
    out.push({ name: FOREST_MODEL_NAME, kind: 'forest', createdAt: summary.forest.createdAt, ...ensembleFacts(summary, forest.models) });
  for (const row of listMixes(catalog, summary.forest.id)) {
    // A model of the same name (made after the mix was saved) takes the name; a mix that cannot run is not offered.
    if (ready.some((m) => m.name === row.name) || row.name === FOREST_MODEL_NAME) continue;
    const r = resolveSavedMix(catalog, home, row);
    if ('resolved' in r && row.mix)
      out.push({ name: row.name, kind: 'mix', createdAt: row.createdAt, mix: row.mix, ...ensembleFacts(summary, r.resolved.models) });
  }
  for (const m of ready) {
    if (m.name === FOREST_MODEL_NAME) continue;
    out.push({
      name: m.name,
      kind: m.role,
      createdAt: m.createdAt,
      models: [m.name],
      domains: domainsOf(summary, m),
      parameters: m.parameters,
    });
  }
  return out;
}

/**
 * What a name runs, resolved against the forest now; null when the name is none of the served ones. Errors
 * from resolving (a saved mix whose model was removed, a prior that no longer fits) are thrown as they are.
 */
export function resolveServedModel(catalog: Catalog, home: string, name: string): ResolvedMix | null {
  const forest = catalog.forest();
  if (!forest) return null;
  if (name === FOREST_MODEL_NAME) return resolveMix(catalog, home, mixSpecOf({ kind: 'auto' }, null));
  const model = findModel(catalog, name);
  // By name only (an id is not a model name a client lists), and only a ready model (not one still training).
  if (model && model.name === name)
    return modelById(catalog, model.id).status === 'ready' ? resolveMix(catalog, home, { models: [name] }) : null;
  const row = findMix(catalog, forest.id, name);
  if (!row) return null;
  if (!row.mix) throw new GroveError('unsupported', newerMixProblem(name), { mix: name });
  return resolveMix(catalog, home, mixSpecOf(row.mix, null));
}
