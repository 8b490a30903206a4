// Catalog rows for forests beyond their name (Catalog.forest reads that; domains.ts ensureForest creates the
// row): the forest's training settings, stored as JSON and checked by store/training-settings.ts.
import type { Catalog } from './catalog';
import { databaseOf } from './database';

/** The forest's stored training settings (JSON), or null when none were saved (defaults apply). */
export function forestSettingsJson(catalog: Catalog, forestId: number): string | null {
  return (
    (databaseOf(catalog).prepare('SELECT settings_json AS s FROM forests WHERE id = ?').get(forestId) as { s: string | null } | undefined)
      ?.s ?? null
  );
}

export function setForestSettingsJson(catalog: Catalog, forestId: number, json: string): void {
  databaseOf(catalog).prepare('UPDATE forests SET settings_json = ? WHERE id = ?').run(json, forestId);
}
