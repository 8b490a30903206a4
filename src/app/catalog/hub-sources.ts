// Catalog rows for hub_sources (schema v6): the Hugging Face Hub repository a stored model came from, by its
// store address. Written when a seed or an import is planted from the Hub (a download, or a folder of a Hub
// cache); read when a light expert over that model is exported as a PEFT adapter, whose
// base_model_name_or_path must name what PEFT can load the base from.
import type { Catalog } from './catalog';
import { databaseOf } from './database';

/** Records (or replaces) the Hub repository of the stored model at `weightsSha256`. */
export function recordHubSource(catalog: Catalog, weightsSha256: string, repoId: string): void {
  databaseOf(catalog)
    .prepare(
      'INSERT INTO hub_sources (weights_sha256, repo_id) VALUES (?, ?) ON CONFLICT (weights_sha256) DO UPDATE SET repo_id = excluded.repo_id',
    )
    .run(weightsSha256, repoId);
}

/** The Hub repository the stored model at `weightsSha256` came from; null where the catalog does not know one. */
export function hubSourceOf(catalog: Catalog, weightsSha256: string): string | null {
  const row = databaseOf(catalog).prepare('SELECT repo_id AS repoId FROM hub_sources WHERE weights_sha256 = ?').get(weightsSha256) as
    { repoId: string } | undefined;
  return row?.repoId ?? null;
}
