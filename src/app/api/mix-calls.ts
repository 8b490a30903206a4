// The service's saved-mix calls (schemas-mix.ts): a mix is checked against the forest when it is saved (its
// models exist and are ready, its name does not hide a model or `forest`), and resolved again whenever it is
// listed or used, since the forest changes under it (an expert removed, a new one trained).
import { GroveError } from '../../shared/api/errors';
import type { ApiInput, ApiOutput } from '../../shared/api/schemas';
import type { ChatMix } from '../../shared/api/schemas-chat';
import type { SavedMixView } from '../../shared/api/schemas-mix';
import type { Catalog, ForestRow } from '../catalog/catalog';
import { listMixes, removeMix, saveMix, type SavedMixRow } from '../catalog/mixes';
import { findModel, modelById } from '../catalog/models';
import { resolveMix, type ResolvedMix } from '../infer/mix';
import { mixSpecOf } from './chat-calls';

/** The name the OpenAI-compatible endpoint gives the whole forest (every ready expert, the live posterior). */
export const FOREST_MODEL_NAME = 'forest';

export const newerMixProblem = (name: string): string =>
  `Saved mix ${name} was written by a newer Grove; update Grove to use it, or save it again.`;

/** The mix resolved against the forest as it is now, or why it cannot run. */
export function resolveSavedMix(catalog: Catalog, home: string, row: SavedMixRow): { resolved: ResolvedMix } | { problem: string } {
  if (!row.mix) return { problem: newerMixProblem(row.name) };
  try {
    return { resolved: resolveMix(catalog, home, mixSpecOf(row.mix, null)) };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}

export class MixCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
  ) {}

  async mixes(): Promise<ApiOutput<'mixes'>> {
    const forest = this.catalog.forest();
    return forest ? listMixes(this.catalog, forest.id).map((row) => this.view(row)) : [];
  }

  async saveMix({ name, mix, replace }: ApiInput<'saveMix'>): Promise<ApiOutput<'saveMix'>> {
    const forest = this.requireForest();
    if (name === FOREST_MODEL_NAME)
      throw new GroveError(
        'bad_input',
        `"${FOREST_MODEL_NAME}" already names the whole forest (every ready expert, mixed by the posterior); choose another name for this mix.`,
        { mix: name },
      );
    const model = findModel(this.catalog, name);
    if (model)
      throw new GroveError(
        'conflict',
        `${JSON.stringify(name)} names ${model.name === name ? 'a model' : `model ${model.name} (by its id)`} of this forest; choose another name for the mix, so that both can be called.`,
        { mix: name },
      );
    // Refused now rather than when called: a mix of models that do not exist or are still training.
    for (const member of resolveMix(this.catalog, this.forestHome, mixSpecOf(mix as ChatMix, null)).models) {
      const status = modelById(this.catalog, findModel(this.catalog, member)!.id).status;
      if (status !== 'ready')
        throw new GroveError(
          'conflict',
          `Model ${member} is still training, so a mix of it cannot be saved yet; save the mix once it is ready.`,
          { model: member },
        );
    }
    return this.view(saveMix(this.catalog, forest.id, name, mix as ChatMix, { replace: replace === true }));
  }

  async removeMix({ name }: ApiInput<'removeMix'>): Promise<ApiOutput<'removeMix'>> {
    const forest = this.requireForest();
    return { removed: removeMix(this.catalog, forest.id, name) };
  }

  private view(row: SavedMixRow): SavedMixView {
    const r = resolveSavedMix(this.catalog, this.forestHome, row);
    return {
      name: row.name,
      mix: row.mix,
      models: 'resolved' in r ? r.resolved.models : [],
      problem: 'problem' in r ? r.problem : null,
      createdAt: row.createdAt,
    };
  }

  private requireForest(): ForestRow {
    const forest = this.catalog.forest();
    if (!forest) throw new GroveError('not_found', 'There is no forest yet: create one (plant a seed) before saving a mix.');
    return forest;
  }
}
