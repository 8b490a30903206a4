// Catalog rows for clusterers: the domains discovered in a folder (issue 18). The clusterer itself is a file in
// the forest home (store/discover-dir.ts); the row says where, and which domain each cluster became, so that
// chat can route a text to the experts of the nearest clusters (c-BTM) without running any expert.
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export interface ClustererRow {
  id: number;
  folder: string;
  file: string;
  /** Per cluster, in the clusterer's order: the domain grown from it, or null where the person dropped it. */
  domains: (string | null)[];
  createdAt: string;
}

export function insertClusterer(catalog: Catalog, forestId: number, row: Omit<ClustererRow, 'id' | 'createdAt'>): void {
  databaseOf(catalog)
    .prepare('INSERT INTO clusterers (forest_id, folder, file, domains_json) VALUES (?, ?, ?, ?)')
    .run(forestId, row.folder, row.file, JSON.stringify(row.domains));
}

/** The forest's clusterers, newest first. */
export function clusterers(catalog: Catalog, forestId: number): ClustererRow[] {
  const rows = databaseOf(catalog)
    .prepare('SELECT id, folder, file, domains_json AS json, created_at AS createdAt FROM clusterers WHERE forest_id = ? ORDER BY id DESC')
    .all(forestId) as { id: number; folder: string; file: string; json: string; createdAt: string }[];
  return rows.map((r) => ({
    id: r.id,
    folder: r.folder,
    file: r.file,
    domains: JSON.parse(r.json) as (string | null)[],
    createdAt: r.createdAt,
  }));
}
