// Catalog rows for models (seed, experts, collapsed, imported): a row points to a weights folder only
// after that folder is complete, named by its store address (weights_sha256: the sha256 of weights, config and tokenizer, or of the weights alone in older stores; see model/content-address.ts).
import { GroveError } from '../../shared/api/errors';
import type { Catalog, ModelRole } from './catalog';

export interface NewModel {
  forestId: number;
  name: string;
  role: ModelRole;
  domainId?: number | null;
  /** Null for an expert whose init is still being made: the row points to no file until one is complete. */
  weightsSha256: string | null;
  weightsBytes: number | null;
  architectureJson: string;
  tokenizerSha256: string | null;
  status?: ModelStatus;
}

/** 'training': not trained on its domain yet (it joins ensembles only when 'ready'); 'removed': out of the forest. */
export type ModelStatus = 'training' | 'ready' | 'removed';

export function insertModel(catalog: Catalog, m: NewModel): number {
  return Number(
    catalog.db
      .prepare(
        `INSERT INTO models (forest_id, name, role, domain_id, weights_sha256, weights_bytes, architecture_json, tokenizer_sha256, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(m.forestId, m.name, m.role, m.domainId ?? null, m.weightsSha256, m.weightsBytes, m.architectureJson, m.tokenizerSha256, m.status ?? 'ready').lastInsertRowid,
  );
}

export interface StoredModel {
  id: number;
  name: string;
  role: ModelRole;
  weightsSha256: string;
}

/** A model of the forest with weights to load (not removed, its init complete), by name or id. */
export function findModel(catalog: Catalog, nameOrId: string): StoredModel | null {
  const row = catalog.db
    .prepare("SELECT id, name, role, weights_sha256 AS weightsSha256 FROM models WHERE (name = ? OR CAST(id AS TEXT) = ?) AND status != 'removed' AND weights_sha256 IS NOT NULL")
    .get(nameOrId, nameOrId) as StoredModel | undefined;
  return row ?? null;
}

/** Points a model at complete weights in the store (its init after a branch, its trained weights after a run). */
export function setModelWeights(catalog: Catalog, modelId: number, sha256: string, bytes: number): void {
  catalog.db.prepare('UPDATE models SET weights_sha256 = ?, weights_bytes = ? WHERE id = ?').run(sha256, bytes, modelId);
}

export function setModelStatus(catalog: Catalog, modelId: number, status: ModelStatus): void {
  catalog.db.prepare('UPDATE models SET status = ? WHERE id = ?').run(status, modelId);
}

export interface ModelDetail extends StoredModel {
  status: ModelStatus;
  domainId: number | null;
  weightsSha256: string;
  architectureJson: string;
  tokenizerSha256: string | null;
}

/** A model row in full, by id; refused when the catalog has no such model. */
export function modelById(catalog: Catalog, id: number): Omit<ModelDetail, 'weightsSha256'> & { weightsSha256: string | null } {
  const row = catalog.db
    .prepare('SELECT id, name, role, status, domain_id AS domainId, weights_sha256 AS weightsSha256, architecture_json AS architectureJson, tokenizer_sha256 AS tokenizerSha256 FROM models WHERE id = ?')
    .get(id) as (Omit<ModelDetail, 'weightsSha256'> & { weightsSha256: string | null }) | undefined;
  if (!row) throw new GroveError('not_found', `No model ${id} in this forest; \`grove list\` shows the models.`, { modelId: id });
  return row;
}

/** The forest a model belongs to. */
export function forestOfModel(catalog: Catalog, modelId: number): number {
  const row = catalog.db.prepare('SELECT forest_id AS f FROM models WHERE id = ?').get(modelId) as { f: number } | undefined;
  if (!row) throw new GroveError('not_found', `No model ${modelId} in this catalog.`, { modelId });
  return row.f;
}
