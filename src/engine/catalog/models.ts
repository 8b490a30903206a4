// Catalog rows for models (seed, experts, collapsed, imported): a row points to a weights folder only
// after that folder is complete, named by its store address (weights_sha256: the sha256 of weights, config and tokenizer, or of the weights alone in older stores; see model/content-address.ts).
import { GroveError } from '../../shared/api/errors';
import type { LoraConfig } from '../model/lora';
import type { Catalog, ModelRole } from './catalog';
import { databaseOf } from './database';

/** 'full': a whole model; 'light': low-rank adapters over a frozen base (weights_sha256 is the adapter's address). */
export type ModelKind = 'full' | 'light';

/** A light expert's base and settings (null for a full model). */
export interface LightFacts {
  /** The store address of the full model the adapter is added to. */
  baseSha256: string;
  lora: LoraConfig;
}

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
  /** Set for a light expert. */
  light?: LightFacts | null;
}

/** 'training': not trained on its domain yet (it joins ensembles only when 'ready'); 'removed': out of the forest. */
export type ModelStatus = 'training' | 'ready' | 'removed';

export function insertModel(catalog: Catalog, m: NewModel): number {
  return Number(
    databaseOf(catalog)
      .prepare(
        `INSERT INTO models (forest_id, name, role, domain_id, weights_sha256, weights_bytes, architecture_json, tokenizer_sha256, status, kind, base_sha256, lora_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        m.forestId,
        m.name,
        m.role,
        m.domainId ?? null,
        m.weightsSha256,
        m.weightsBytes,
        m.architectureJson,
        m.tokenizerSha256,
        m.status ?? 'ready',
        m.light ? 'light' : 'full',
        m.light?.baseSha256 ?? null,
        m.light ? JSON.stringify(m.light.lora) : null,
      ).lastInsertRowid,
  );
}

export interface StoredModel {
  id: number;
  name: string;
  role: ModelRole;
  weightsSha256: string;
  /** A light expert's base and LoRA settings; null for a full model. */
  light: LightFacts | null;
}

interface LightColumns {
  kind: ModelKind;
  baseSha256: string | null;
  loraJson: string | null;
}

const LIGHT_COLUMNS = 'kind, base_sha256 AS baseSha256, lora_json AS loraJson';

function lightFacts(row: LightColumns): LightFacts | null {
  if (row.kind !== 'light') return null;
  return { baseSha256: row.baseSha256 as string, lora: JSON.parse(row.loraJson as string) as LoraConfig };
}

/** A row's light columns folded into `light`. */
function withLight<T extends LightColumns>(row: T): Omit<T, keyof LightColumns> & { light: LightFacts | null } {
  const { kind: _kind, baseSha256: _base, loraJson: _lora, ...rest } = row;
  return { ...rest, light: lightFacts(row) };
}

/** A model of the forest with weights to load (not removed, its init complete), by name or id. */
export function findModel(catalog: Catalog, nameOrId: string): StoredModel | null {
  const row = databaseOf(catalog)
    .prepare(`SELECT id, name, role, weights_sha256 AS weightsSha256, ${LIGHT_COLUMNS} FROM models WHERE (name = ? OR CAST(id AS TEXT) = ?) AND status != 'removed' AND weights_sha256 IS NOT NULL`)
    .get(nameOrId, nameOrId) as (Omit<StoredModel, 'light'> & LightColumns) | undefined;
  return row ? withLight(row) : null;
}

/** The live models (not removed) that are light experts over the stored base `baseSha256`. */
export function lightExpertsOver(catalog: Catalog, baseSha256: string): { id: number; name: string }[] {
  return databaseOf(catalog).prepare("SELECT id, name FROM models WHERE base_sha256 = ? AND kind = 'light' AND status != 'removed' ORDER BY id").all(baseSha256) as { id: number; name: string }[];
}

/** The live models whose weights are the store folder `sha256` (a base is usually the seed alone). */
export function modelsWithWeights(catalog: Catalog, sha256: string): { id: number; name: string }[] {
  return databaseOf(catalog).prepare("SELECT id, name FROM models WHERE weights_sha256 = ? AND status != 'removed' ORDER BY id").all(sha256) as { id: number; name: string }[];
}

/** Every base address a live light expert needs (gc keeps them). */
export function basesInUse(catalog: Catalog): string[] {
  return (databaseOf(catalog).prepare("SELECT DISTINCT base_sha256 AS s FROM models WHERE kind = 'light' AND status != 'removed' AND base_sha256 IS NOT NULL").all() as { s: string }[]).map((r) => r.s);
}

/** Points a model at complete weights in the store (its init after a branch, its trained weights after a run). */
export function setModelWeights(catalog: Catalog, modelId: number, sha256: string, bytes: number): void {
  databaseOf(catalog).prepare('UPDATE models SET weights_sha256 = ?, weights_bytes = ? WHERE id = ?').run(sha256, bytes, modelId);
}

export function setModelStatus(catalog: Catalog, modelId: number, status: ModelStatus): void {
  databaseOf(catalog).prepare('UPDATE models SET status = ? WHERE id = ?').run(status, modelId);
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
  const row = databaseOf(catalog)
    .prepare(`SELECT id, name, role, status, domain_id AS domainId, weights_sha256 AS weightsSha256, architecture_json AS architectureJson, tokenizer_sha256 AS tokenizerSha256, ${LIGHT_COLUMNS} FROM models WHERE id = ?`)
    .get(id) as (Omit<ModelDetail, 'weightsSha256' | 'light'> & { weightsSha256: string | null } & LightColumns) | undefined;
  if (!row) throw new GroveError('not_found', `No model ${id} in this forest; \`grove list\` shows the models.`, { modelId: id });
  return withLight(row);
}

/** The forest a model belongs to. */
export function forestOfModel(catalog: Catalog, modelId: number): number {
  const row = databaseOf(catalog).prepare('SELECT forest_id AS f FROM models WHERE id = ?').get(modelId) as { f: number } | undefined;
  if (!row) throw new GroveError('not_found', `No model ${modelId} in this catalog.`, { modelId });
  return row.f;
}
