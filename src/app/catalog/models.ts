// Catalog rows for models (seed, experts, collapsed, imported): a row points to a weights folder only
// after that folder is complete, named by its store address (weights_sha256: the sha256 of weights, config and tokenizer, or of the weights alone in older stores; see model/content-address.ts).
import { CollapseFacts } from '../../shared/api/collapse-facts';
import { GroveError } from '../../shared/api/errors';
import type { LightStartRecord } from '../../engine/forest/light-start';
import type { LoraConfig } from '../../engine/model/lora';
import type { Catalog, ModelRole } from './catalog';
import { databaseOf } from './database';

/** 'full': a whole model; 'light': low-rank adapters over a frozen base (weights_sha256 is the adapter's address). */
export type ModelKind = 'full' | 'light';

/** A light expert's base and settings (null for a full model). */
export interface LightFacts {
  /** The store address of the full model the adapter is added to. */
  baseSha256: string;
  lora: LoraConfig;
  /** How a branch from light parents started; absent for an adapter started fresh, imported, or older rows. */
  start?: LightStartRecord;
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
  /** Set for a collapsed model: its merge method, settings and weights' source. */
  collapse?: CollapseFacts | null;
}

/** 'training': not trained on its domain yet (it joins ensembles only when 'ready'); 'removed': out of the forest. */
export type ModelStatus = 'training' | 'ready' | 'removed';

export function insertModel(catalog: Catalog, m: NewModel): number {
  return Number(
    databaseOf(catalog)
      .prepare(
        `INSERT INTO models (forest_id, name, role, domain_id, weights_sha256, weights_bytes, architecture_json, tokenizer_sha256, status, kind, base_sha256, lora_json, collapse_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        m.collapse ? JSON.stringify(m.collapse) : null,
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

/** lora_json holds the LoRA settings and, beside them under "start", how a branch from light parents started. */
type LoraColumn = LoraConfig & { start?: LightStartRecord };

function lightFacts(row: LightColumns): LightFacts | null {
  if (row.kind !== 'light') return null;
  const { start, ...lora } = JSON.parse(row.loraJson as string) as LoraColumn;
  return { baseSha256: row.baseSha256 as string, lora, ...(start ? { start } : {}) };
}

/** A row's light columns folded into `light`. */
function withLight<T extends LightColumns>(row: T): Omit<T, keyof LightColumns> & { light: LightFacts | null } {
  const { kind: _kind, baseSha256: _base, loraJson: _lora, ...rest } = row;
  return { ...rest, light: lightFacts(row) };
}

/** A model of the forest with weights to load (not removed, its init complete), by name or id. */
export function findModel(catalog: Catalog, nameOrId: string): StoredModel | null {
  const row = databaseOf(catalog)
    .prepare(
      `SELECT id, name, role, weights_sha256 AS weightsSha256, ${LIGHT_COLUMNS} FROM models WHERE (name = ? OR CAST(id AS TEXT) = ?) AND status != 'removed' AND weights_sha256 IS NOT NULL`,
    )
    .get(nameOrId, nameOrId) as (Omit<StoredModel, 'light'> & LightColumns) | undefined;
  return row ? withLight(row) : null;
}

/** A collapsed model's stored facts (collapse_json), or null: not a collapse, made before Grove kept them, or written by a newer Grove. */
export function parseCollapseFacts(json: string | null): CollapseFacts | null {
  if (json === null) return null;
  try {
    const parsed = CollapseFacts.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** How a model was collapsed, by its id (null as parseCollapseFacts says). */
export function modelCollapse(catalog: Catalog, modelId: number): CollapseFacts | null {
  const row = databaseOf(catalog).prepare('SELECT collapse_json AS json FROM models WHERE id = ?').get(modelId) as
    { json: string | null } | undefined;
  return parseCollapseFacts(row?.json ?? null);
}

/** The live models (not removed) that are light experts over the stored base `baseSha256`. */
export function lightExpertsOver(catalog: Catalog, baseSha256: string): { id: number; name: string }[] {
  return databaseOf(catalog)
    .prepare("SELECT id, name FROM models WHERE base_sha256 = ? AND kind = 'light' AND status != 'removed' ORDER BY id")
    .all(baseSha256) as { id: number; name: string }[];
}

/** The live models whose weights are the store folder `sha256` (a base is usually the seed alone). */
export function modelsWithWeights(catalog: Catalog, sha256: string): { id: number; name: string }[] {
  return databaseOf(catalog)
    .prepare("SELECT id, name FROM models WHERE weights_sha256 = ? AND status != 'removed' ORDER BY id")
    .all(sha256) as { id: number; name: string }[];
}

/** Every base address a live light expert needs (gc keeps them). */
export function basesInUse(catalog: Catalog): string[] {
  return (
    databaseOf(catalog)
      .prepare("SELECT DISTINCT base_sha256 AS s FROM models WHERE kind = 'light' AND status != 'removed' AND base_sha256 IS NOT NULL")
      .all() as { s: string }[]
  ).map((r) => r.s);
}

/** Points a model at complete weights in the store (its init after a branch, its trained weights after a run). */
export function setModelWeights(catalog: Catalog, modelId: number, sha256: string, bytes: number): void {
  databaseOf(catalog).prepare('UPDATE models SET weights_sha256 = ?, weights_bytes = ? WHERE id = ?').run(sha256, bytes, modelId);
}

/**
 * A light expert's LoRA settings as its adapter turned out (an exact branch's rank is the sum of its parents'),
 * and how its branch started (kept in the same column: no schema change for a fact about the same adapter).
 */
export function setModelLora(catalog: Catalog, modelId: number, lora: LoraConfig, start?: LightStartRecord): void {
  const column: LoraColumn = { ...lora, ...(start ? { start } : {}) };
  databaseOf(catalog).prepare("UPDATE models SET lora_json = ? WHERE id = ? AND kind = 'light'").run(JSON.stringify(column), modelId);
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
    .prepare(
      `SELECT id, name, role, status, domain_id AS domainId, weights_sha256 AS weightsSha256, architecture_json AS architectureJson, tokenizer_sha256 AS tokenizerSha256, ${LIGHT_COLUMNS} FROM models WHERE id = ?`,
    )
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

/** The forest a model belongs to, or null when the catalog has no such model. */
export function forestIdOf(catalog: Catalog, modelId: number): number | null {
  return (
    (databaseOf(catalog).prepare('SELECT forest_id AS f FROM models WHERE id = ?').get(modelId) as { f: number } | undefined)?.f ?? null
  );
}

/** A model's id and name. */
export interface ModelRef {
  id: number;
  name: string;
}

/** The forest's experts that ensemble and average: role 'expert', status 'ready', in the order they were added. */
export function readyExperts(catalog: Catalog, forestId: number): ModelRef[] {
  return databaseOf(catalog)
    .prepare("SELECT id, name FROM models WHERE forest_id = ? AND role = 'expert' AND status = 'ready' ORDER BY id")
    .all(forestId) as ModelRef[];
}

/** The forest's newest ready model of a role (its latest collapsed model, say), or null when it has none. */
export function newestReadyOfRole(catalog: Catalog, forestId: number, role: ModelRole): ModelRef | null {
  return (
    (databaseOf(catalog)
      .prepare(
        "SELECT id, name FROM models WHERE forest_id = ? AND role = ? AND status = 'ready' AND weights_sha256 IS NOT NULL ORDER BY id DESC LIMIT 1",
      )
      .get(forestId, role) as ModelRef | undefined) ?? null
  );
}

/** The forest's seed (the first one not removed), or null before it has one. */
export function liveSeed(catalog: Catalog, forestId: number): ModelRef | null {
  return (
    (databaseOf(catalog)
      .prepare("SELECT id, name FROM models WHERE forest_id = ? AND role = 'seed' AND status != 'removed' ORDER BY id LIMIT 1")
      .get(forestId) as ModelRef | undefined) ?? null
  );
}

/** The names of the ready models with weights, in the order they were made: of one forest, or of the whole catalog (null). */
export function readyModelNames(catalog: Catalog, forestId: number | null): string[] {
  const db = databaseOf(catalog);
  const rows = (
    forestId === null
      ? db.prepare("SELECT name FROM models WHERE status = 'ready' AND weights_sha256 IS NOT NULL ORDER BY id").all()
      : db
          .prepare("SELECT name FROM models WHERE forest_id = ? AND status = 'ready' AND weights_sha256 IS NOT NULL ORDER BY id")
          .all(forestId)
  ) as { name: string }[];
  return rows.map((r) => r.name);
}

/** The live model (not removed) of this name: in one forest, or anywhere in the catalog (forestId null). */
export function liveModelNamed(catalog: Catalog, name: string, forestId: number | null): ModelRef | null {
  const db = databaseOf(catalog);
  const row =
    forestId === null
      ? db.prepare("SELECT id, name FROM models WHERE name = ? AND status != 'removed'").get(name)
      : db.prepare("SELECT id, name FROM models WHERE forest_id = ? AND name = ? AND status != 'removed'").get(forestId, name);
  return (row as ModelRef | undefined) ?? null;
}

/** The model of the forest that holds this name, whatever its status (a removed one keeps its row). */
export function modelHoldingName(catalog: Catalog, forestId: number, name: string): { id: number; status: ModelStatus } | null {
  return (
    (databaseOf(catalog).prepare('SELECT id, status FROM models WHERE forest_id = ? AND name = ?').get(forestId, name) as
      { id: number; status: ModelStatus } | undefined) ?? null
  );
}

export function renameModel(catalog: Catalog, modelId: number, name: string): void {
  databaseOf(catalog).prepare('UPDATE models SET name = ? WHERE id = ?').run(name, modelId);
}

/** The tokenizer a model reads ids of (a seed trained here gets its tokenizer before its weights). */
export function setModelTokenizer(catalog: Catalog, modelId: number, sha256: string): void {
  databaseOf(catalog).prepare('UPDATE models SET tokenizer_sha256 = ? WHERE id = ?').run(sha256, modelId);
}

/** A live model (not removed) by name or id, with or without weights yet. */
export function liveModel(
  catalog: Catalog,
  nameOrId: string,
): { id: number; name: string; role: ModelRole; status: ModelStatus; weightsSha256: string | null } | null {
  const row = databaseOf(catalog)
    .prepare(
      "SELECT id, name, role, status, weights_sha256 AS weightsSha256 FROM models WHERE (name = ? OR CAST(id AS TEXT) = ?) AND status != 'removed'",
    )
    .get(nameOrId, nameOrId) as
    { id: number; name: string; role: ModelRole; status: ModelStatus; weightsSha256: string | null } | undefined;
  return row ?? null;
}

/** Every store address a live model's weights (or a light expert's adapter) are at. */
export function liveWeightAddresses(catalog: Catalog): string[] {
  return (
    databaseOf(catalog)
      .prepare("SELECT weights_sha256 AS s FROM models WHERE status != 'removed' AND weights_sha256 IS NOT NULL")
      .all() as { s: string }[]
  ).map((r) => r.s);
}

/** What `grove show` prints of a model: its row with its domain's name. */
export interface ModelOverview {
  id: number;
  name: string;
  role: ModelRole;
  status: ModelStatus;
  weightsSha256: string | null;
  weightsBytes: number | null;
  architectureJson: string;
  domain: string | null;
  createdAt: string;
}

/** The model with this id, else one (any status) with this name; null when neither exists. */
export function modelOverview(catalog: Catalog, id: number, name: string): ModelOverview | null {
  const row = databaseOf(catalog)
    .prepare(
      `SELECT m.id, m.name, m.role, m.status, m.weights_sha256 AS weightsSha256, m.weights_bytes AS weightsBytes, m.architecture_json AS architectureJson,
              d.name AS domain, m.created_at AS createdAt
         FROM models m LEFT JOIN domains d ON d.id = m.domain_id WHERE m.id = ? OR m.name = ?`,
    )
    .get(id, name) as ModelOverview | undefined;
  return row ?? null;
}
