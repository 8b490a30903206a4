// Catalog rows for domains and their ingest reports: every file of the folder, accepted (with its split)
// or skipped (with the reason; an accepted file's detail is its note, if any). A re-ingest replaces the domain's rows in one transaction.
import { GroveError } from '../../shared/api/errors';
import type { IngestReport } from '../../engine/corpus/types';
import type { Catalog } from './catalog';
import { databaseOf } from './database';

export interface StoredDocument {
  path: string;
  status: 'accepted' | 'skipped';
  type: string | null;
  reason: string | null;
  detail: string | null;
  duplicateOf: string | null;
  bytes: number;
  tokens: number;
  split: string | null;
}

/** The forest of this home, created on first use (a forest home holds exactly one forest). */
export function ensureForest(catalog: Catalog, name = 'forest'): number {
  const existing = catalog.forest();
  if (existing) return existing.id;
  return Number(databaseOf(catalog).prepare('INSERT INTO forests (name) VALUES (?)').run(name).lastInsertRowid);
}

export function saveIngestReport(catalog: Catalog, domainName: string, report: IngestReport): number {
  const db = databaseOf(catalog);
  return db.transaction(() => {
    const forestId = ensureForest(catalog);
    const stats = JSON.stringify({
      totals: report.totals,
      splits: report.splits,
      trainable: report.trainable,
      message: report.message,
      out: report.out,
    });
    db.prepare(
      `INSERT INTO domains (forest_id, name, source_path, stats_json) VALUES (?, ?, ?, ?)
       ON CONFLICT (forest_id, name) DO UPDATE SET source_path = excluded.source_path, stats_json = excluded.stats_json`,
    ).run(forestId, domainName, report.folder, stats);
    const domainId = (db.prepare('SELECT id FROM domains WHERE forest_id = ? AND name = ?').get(forestId, domainName) as { id: number }).id;
    db.prepare('DELETE FROM documents WHERE domain_id = ?').run(domainId);
    const insert = db.prepare(
      'INSERT INTO documents (domain_id, path, status, type, reason, detail, duplicate_of, bytes, tokens, split) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const f of report.files) {
      // An accepted file's detail is how its text was got, when that was a fallback (its notes).
      if (f.status === 'accepted')
        insert.run(
          domainId,
          f.path,
          'accepted',
          f.type,
          null,
          f.notes?.join(' ') ?? null,
          null,
          f.bytes,
          f.tokens,
          f.splits.length === 1 ? f.splits[0] : null,
        );
      else insert.run(domainId, f.path, 'skipped', f.type ?? null, f.reason, f.detail, f.duplicateOf ?? null, f.bytes, 0, null);
    }
    return domainId;
  })();
}

export interface DomainStatsSummary {
  accepted: number;
  skipped: number;
  tokens: number;
  trainable: boolean;
  message: string;
}

/** The summary a domain list shows, from the stats saveIngestReport stored; null before any ingest. */
export function parseDomainStats(statsJson: string | null): DomainStatsSummary | null {
  if (!statsJson) return null;
  const s = JSON.parse(statsJson) as { totals: IngestReport['totals']; trainable: boolean; message: string };
  return { accepted: s.totals.accepted, skipped: s.totals.skipped, tokens: s.totals.tokens, trainable: s.trainable, message: s.message };
}

export function domainDocuments(catalog: Catalog, domainName: string): StoredDocument[] | null {
  const forest = catalog.forest();
  if (!forest) return null;
  const domain = databaseOf(catalog).prepare('SELECT id FROM domains WHERE forest_id = ? AND name = ?').get(forest.id, domainName) as
    { id: number } | undefined;
  if (!domain) return null;
  return databaseOf(catalog)
    .prepare(
      'SELECT path, status, type, reason, detail, duplicate_of AS duplicateOf, bytes, tokens, split FROM documents WHERE domain_id = ? ORDER BY path',
    )
    .all(domain.id) as StoredDocument[];
}

/** The forest a domain belongs to. */
export function forestOfDomain(catalog: Catalog, domainId: number): number {
  const row = databaseOf(catalog).prepare('SELECT forest_id AS f FROM domains WHERE id = ?').get(domainId) as { f: number } | undefined;
  if (!row) throw new GroveError('not_found', `No domain ${domainId} in this catalog.`, { domainId });
  return row.f;
}
