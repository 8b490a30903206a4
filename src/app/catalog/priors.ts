// Catalog rows for cached priors (table `priors`, btm.md "Cached prior"): one per (forest, target), the
// experts' ids and weights as JSON. forest/prior-store.ts checks targets and weights before they are
// written here, and aligns what it reads to the experts in use.
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export interface PriorRow {
  forestId: number;
  target: string;
  /** Catalog model ids, in the order of `weights`. */
  modelIds: number[];
  weights: number[];
  /** Held-out sequences the estimate read. */
  sequences: number;
  createdAt: string;
}

/** Stores the prior of one target, replacing the one before (and its time). */
export function upsertPrior(catalog: Catalog, prior: Omit<PriorRow, 'createdAt'>): void {
  databaseOf(catalog)
    .prepare(
      `INSERT INTO priors (forest_id, target, model_ids_json, weights_json, sequences) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (forest_id, target) DO UPDATE SET model_ids_json = excluded.model_ids_json, weights_json = excluded.weights_json,
         sequences = excluded.sequences, created_at = excluded.created_at`,
    )
    .run(prior.forestId, prior.target, JSON.stringify(prior.modelIds), JSON.stringify(prior.weights), prior.sequences);
}

/** The stored prior of one target, or null when none was estimated yet. */
export function priorRow(catalog: Catalog, forestId: number, target: string): PriorRow | null {
  const row = databaseOf(catalog)
    .prepare(
      'SELECT forest_id AS forestId, target, model_ids_json AS modelIdsJson, weights_json AS weightsJson, sequences, created_at AS createdAt FROM priors WHERE forest_id = ? AND target = ?',
    )
    .get(forestId, target) as (Omit<PriorRow, 'modelIds' | 'weights'> & { modelIdsJson: string; weightsJson: string }) | undefined;
  if (!row) return null;
  const { modelIdsJson, weightsJson, ...rest } = row;
  return { ...rest, modelIds: JSON.parse(modelIdsJson) as number[], weights: JSON.parse(weightsJson) as number[] };
}

/** The targets the forest has a prior for, in order. */
export function priorTargets(catalog: Catalog, forestId: number): string[] {
  return (
    databaseOf(catalog).prepare('SELECT target FROM priors WHERE forest_id = ? ORDER BY target').all(forestId) as { target: string }[]
  ).map((r) => r.target);
}
