// Catalog rows for verdicts: the forest against its dense baseline, per domain (JSON, schemas-verdict.ts), kept
// as it was judged; the forest view shows the newest with its date.
import { Verdict } from '../../shared/api/schemas-verdict';
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export function insertVerdict(catalog: Catalog, forestId: number, baselineId: number, verdict: Omit<Verdict, 'createdAt'>): void {
  databaseOf(catalog)
    .prepare('INSERT INTO verdicts (forest_id, baseline_id, verdict_json) VALUES (?, ?, ?)')
    .run(forestId, baselineId, JSON.stringify(verdict));
}

/** The forest's newest verdict; null before the first, or when it was written by a newer Grove in a form this one cannot read. */
export function latestVerdict(catalog: Catalog, forestId: number): Verdict | null {
  const row = databaseOf(catalog)
    .prepare('SELECT verdict_json AS json, created_at AS createdAt FROM verdicts WHERE forest_id = ? ORDER BY id DESC LIMIT 1')
    .get(forestId) as { json: string; createdAt: string } | undefined;
  if (!row) return null;
  const parsed = Verdict.safeParse({ ...(JSON.parse(row.json) as object), createdAt: row.createdAt });
  return parsed.success ? parsed.data : null;
}
