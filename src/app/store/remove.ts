// `grove remove`: takes a model out of the forest (btm.md: experts can be removed at any time; coverage
// shrinks, nothing else changes). Its row and lineage stay as history; its files stay until `grove gc`.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { lightExpertsOver, liveModel, modelsWithWeights, setModelStatus } from '../catalog/models';
import { unfinishedJobOfModel } from '../catalog/runs';

export function removeModel(catalog: Catalog, nameOrId: string): { id: number; name: string } {
  const row = liveModel(catalog, nameOrId);
  if (!row)
    throw new GroveError('not_found', `No model "${nameOrId}" in this forest; \`grove list\` shows the models.`, { model: nameOrId });
  if (row.role === 'seed')
    throw new GroveError('conflict', `"${row.name}" is the forest's seed: new experts branch from it, so it cannot be removed.`, {
      model: row.name,
    });
  // Another live model with the same weights (a branch that copied them) keeps the base in the store.
  const shared = row.weightsSha256 !== null && modelsWithWeights(catalog, row.weightsSha256).some((m) => m.id !== row.id);
  const dependants = row.weightsSha256 && !shared ? lightExpertsOver(catalog, row.weightsSha256).filter((m) => m.id !== row.id) : [];
  if (dependants.length > 0) {
    const names = dependants.map((m) => `"${m.name}"`).join(', ');
    throw new GroveError(
      'conflict',
      `"${row.name}" is the base of light expert${dependants.length === 1 ? '' : 's'} ${names}: they are low-rank changes to its weights and cannot run without it. Remove ${dependants.length === 1 ? 'that expert' : 'those experts'} first (or collapse them into a full model).`,
      { model: row.name, dependants: dependants.map((m) => m.name) },
    );
  }
  const active = unfinishedJobOfModel(catalog, row.id, ['queued', 'running', 'paused']);
  if (active !== null)
    throw new GroveError('conflict', `"${row.name}" is being trained (job ${active}): cancel that job first.`, {
      model: row.name,
      job: active,
    });
  setModelStatus(catalog, row.id, 'removed');
  return { id: row.id, name: row.name };
}
