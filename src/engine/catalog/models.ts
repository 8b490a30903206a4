// Catalog rows for models (seed, experts, collapsed, imported): a row points to a weights folder only
// after that folder is complete, named by its weights' sha256.
import type { Catalog, ModelRole } from './catalog';

export interface NewModel {
  forestId: number;
  name: string;
  role: ModelRole;
  domainId?: number | null;
  weightsSha256: string;
  weightsBytes: number;
  architectureJson: string;
  tokenizerSha256: string | null;
}

export function insertModel(catalog: Catalog, m: NewModel): number {
  return Number(
    catalog.db
      .prepare(
        `INSERT INTO models (forest_id, name, role, domain_id, weights_sha256, weights_bytes, architecture_json, tokenizer_sha256)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(m.forestId, m.name, m.role, m.domainId ?? null, m.weightsSha256, m.weightsBytes, m.architectureJson, m.tokenizerSha256).lastInsertRowid,
  );
}

export interface StoredModel {
  id: number;
  name: string;
  role: ModelRole;
  weightsSha256: string;
}

export function findModel(catalog: Catalog, nameOrId: string): StoredModel | null {
  const row = catalog.db
    .prepare("SELECT id, name, role, weights_sha256 AS weightsSha256 FROM models WHERE (name = ? OR CAST(id AS TEXT) = ?) AND status != 'removed'")
    .get(nameOrId, nameOrId) as StoredModel | undefined;
  return row ?? null;
}
