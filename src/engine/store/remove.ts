// `grove remove`: takes a model out of the forest (btm.md: experts can be removed at any time; coverage
// shrinks, nothing else changes). Its row and lineage stay as history; its files stay until `grove gc`.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { setModelStatus, type ModelStatus } from '../catalog/models';

export function removeModel(catalog: Catalog, nameOrId: string): { id: number; name: string } {
  const row = catalog.db
    .prepare("SELECT id, name, role, status FROM models WHERE (name = ? OR CAST(id AS TEXT) = ?) AND status != 'removed'")
    .get(nameOrId, nameOrId) as { id: number; name: string; role: string; status: ModelStatus } | undefined;
  if (!row) throw new GroveError('not_found', `No model "${nameOrId}" in this forest; \`grove list\` shows the models.`, { model: nameOrId });
  if (row.role === 'seed') throw new GroveError('conflict', `"${row.name}" is the forest's seed: new experts branch from it, so it cannot be removed.`, { model: row.name });
  const active = catalog.db
    .prepare("SELECT j.id FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.model_id = ? AND j.status IN ('queued', 'running', 'paused')")
    .get(row.id) as { id: number } | undefined;
  if (active) throw new GroveError('conflict', `"${row.name}" is being trained (job ${active.id}): cancel that job first.`, { model: row.name, job: active.id });
  setModelStatus(catalog, row.id, 'removed');
  return { id: row.id, name: row.name };
}
