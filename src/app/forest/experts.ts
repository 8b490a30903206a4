// The members of a forest that BTM operations act on: its seed and its ready experts (rows read through
// catalog/models.ts).
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { liveSeed, readyExperts } from '../catalog/models';
import type { ExpertRef } from '../../engine/forest/weights';

/** The experts that ensemble and average: role 'expert', status 'ready', in the order they were added. */
export function forestExperts(catalog: Catalog, forestId: number): ExpertRef[] {
  return readyExperts(catalog, forestId);
}

/** The forest's seed; refused when the forest has none yet. */
export function forestSeed(catalog: Catalog, forestId: number): ExpertRef {
  const row = liveSeed(catalog, forestId);
  if (!row)
    throw new GroveError(
      'not_found',
      `forest ${forestId} has no seed yet. Create one with grove init --from <model folder>, or train a seed.`,
      { forestId },
    );
  return row;
}
