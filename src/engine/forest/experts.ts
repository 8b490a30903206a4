// Catalog queries for the members of a forest that BTM operations act on: its seed and its ready experts.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import type { ExpertRef } from './weights';

/** The experts that ensemble and average: role 'expert', status 'ready', in the order they were added. */
export function forestExperts(catalog: Catalog, forestId: number): ExpertRef[] {
  return catalog.db.prepare("SELECT id, name FROM models WHERE forest_id = ? AND role = 'expert' AND status = 'ready' ORDER BY id").all(forestId) as ExpertRef[];
}

/** The forest's seed; refused when the forest has none yet. */
export function forestSeed(catalog: Catalog, forestId: number): ExpertRef {
  const row = catalog.db.prepare("SELECT id, name FROM models WHERE forest_id = ? AND role = 'seed' AND status != 'removed' ORDER BY id LIMIT 1").get(forestId) as ExpertRef | undefined;
  if (!row) throw new GroveError('not_found', `forest ${forestId} has no seed yet. Create one with grove init --from <model folder>, or train a seed.`, { forestId });
  return row;
}
