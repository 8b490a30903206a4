// Lineage: which models each model was initialised from, and with what weights (btm.md "Merge": the
// catalog row and the lineage edge with the init weights). The rules an edge keeps are checked here; the
// edges are written and read (a model's parents, the forest's graph) in catalog/lineage.ts.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { descendantsOf, insertLineageEdges, parentCount } from '../catalog/lineage';
import { forestIdOf } from '../catalog/models';

/** How far the weights of one child may sum from 1 (they come renormalised from weights.ts). */
const SUM_TOLERANCE = 1e-9;

export interface ParentEdge {
  modelId: number;
  weight: number;
}

function modelForest(catalog: Catalog, id: number, what: string): number {
  const forestId = forestIdOf(catalog, id);
  if (forestId === null)
    throw new GroveError(
      'not_found',
      `lineage: ${what} model ${id} is not in the catalog. Record lineage only for models the catalog holds.`,
      { modelId: id },
    );
  return forestId;
}

/**
 * Records how a new model was initialised: one edge per parent, weights > 0 summing to 1 (one parent at
 * weight 1 for a copy). A model's lineage is history: recording it twice is refused.
 */
export function recordLineage(catalog: Catalog, childId: number, parents: readonly ParentEdge[]): void {
  if (parents.length === 0)
    throw new GroveError(
      'bad_input',
      `lineage: no parents given for model ${childId}. A branch has at least one parent (the seed, for a copy of it).`,
    );
  catalog.transaction(() => {
    const forestId = modelForest(catalog, childId, 'child');
    if (parentCount(catalog, childId) > 0)
      throw new GroveError(
        'conflict',
        `lineage: model ${childId} already has its parents recorded. A model's init is recorded once; branch a new model instead.`,
        { modelId: childId },
      );
    const below = descendantsOf(catalog, childId);
    const seen = new Set<number>();
    let sum = 0;
    for (const p of parents) {
      if (!(Number.isFinite(p.weight) && p.weight > 0 && p.weight <= 1)) {
        throw new GroveError(
          'bad_input',
          `lineage: parent ${p.modelId} of model ${childId} has weight ${p.weight}; weights must be in (0, 1]. Leave out parents that gave nothing.`,
          { parent: p.modelId, weight: p.weight },
        );
      }
      if (p.modelId === childId || below.has(p.modelId))
        throw new GroveError(
          'bad_input',
          `lineage: model ${p.modelId} cannot be a parent of model ${childId}: it would be its own ancestor.`,
          { parent: p.modelId },
        );
      if (seen.has(p.modelId))
        throw new GroveError('bad_input', `lineage: parent ${p.modelId} is listed twice for model ${childId}. List each parent once.`, {
          parent: p.modelId,
        });
      if (modelForest(catalog, p.modelId, 'parent') !== forestId)
        throw new GroveError(
          'bad_input',
          `lineage: parent ${p.modelId} belongs to another forest than model ${childId}. Models of one forest only.`,
          { parent: p.modelId },
        );
      seen.add(p.modelId);
      sum += p.weight;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE)
      throw new GroveError(
        'bad_input',
        `lineage: the weights of model ${childId}'s parents sum to ${sum}, not 1. Renormalise them (weights.ts does).`,
        { sum },
      );
    insertLineageEdges(catalog, childId, parents);
  });
}
