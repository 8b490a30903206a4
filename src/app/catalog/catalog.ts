// The SQLite catalog (better-sqlite3, WAL, foreign keys on): opened and migrated here, and queried only in
// src/app/catalog, one module per table (or close group of tables). The handle is private: code outside
// asks a table module, and groups writes that must land together with `transaction`.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { GroveError } from '../../shared/api/errors';
import { attachDatabase } from './database';
import { latestVersion, migrations, type Migration } from './migrations';

export interface CatalogOptions {
  /** Path of a better-sqlite3 addon built for another ABI (the Electron main process passes one). */
  nativeBinding?: string;
  readonly?: boolean;
}

export interface ForestRow {
  id: number;
  name: string;
  createdAt: string;
}
export interface DomainRow {
  id: number;
  name: string;
  sourcePath: string | null;
  /** The ingest summary (JSON written by saveIngestReport), or null before the first ingest. */
  statsJson: string | null;
}
export type ModelRole = 'seed' | 'expert' | 'collapsed' | 'imported' | 'baseline';
export interface ModelRow {
  id: number;
  name: string;
  role: ModelRole;
  domainId: number | null;
}

export class Catalog {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
    attachDatabase(this, db);
  }

  static open(file: string, options: CatalogOptions = {}): Catalog {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file, { readonly: options.readonly ?? false, nativeBinding: options.nativeBinding });
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    const catalog = new Catalog(db);
    if (!options.readonly) catalog.migrate();
    return catalog;
  }

  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  /** Applies every migration newer than the file's version; refuses a file from a newer Grove. */
  migrate(list: readonly Migration[] = migrations): void {
    const current = this.schemaVersion;
    const newest = list.at(-1)?.version ?? 0;
    if (current > newest) {
      throw new GroveError(
        'unsupported',
        `This catalog has schema version ${current}, newer than this Grove understands (${newest}). Update Grove to open it.`,
      );
    }
    for (const m of list) {
      if (m.version <= current) continue;
      // PRAGMA foreign_keys is a no-op inside a transaction: it is switched off around one that rebuilds tables.
      if (m.rebuildsTables) this.#db.pragma('foreign_keys = OFF');
      try {
        this.#db.transaction(() => {
          m.up(this.#db);
          if (m.rebuildsTables) this.assertForeignKeys(m);
          this.#db.pragma(`user_version = ${m.version}`);
        })();
      } finally {
        if (m.rebuildsTables) this.#db.pragma('foreign_keys = ON');
      }
    }
  }

  /** A rebuilt table must leave every reference as it was; a broken one rolls the migration back. */
  private assertForeignKeys(m: Migration): void {
    const broken = this.#db.pragma('foreign_key_check') as { table: string; parent: string }[];
    if (broken.length > 0) {
      const where = broken
        .slice(0, 3)
        .map((b) => `${b.table} -> ${b.parent}`)
        .join(', ');
      throw new GroveError(
        'internal',
        `Migration ${m.version} (${m.name}) would leave ${broken.length} broken reference(s) (${where}); the catalog was left as it was. Report this with the catalog file.`,
        { version: m.version },
      );
    }
  }

  /**
   * Runs `fn` in one transaction: every write in it lands, or none does (a throw rolls back). Nested calls
   * are savepoints of the outer one. `fn` must be synchronous: SQLite holds the write lock while it runs.
   */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** False once closed (a reply finishing after the service shut down has nothing to save to). */
  get isOpen(): boolean {
    return this.#db.open;
  }

  close(): void {
    this.#db.close();
  }

  /** The forest this catalog holds (a forest home holds one forest), or null before `grove init`. */
  forest(): ForestRow | null {
    const row = this.#db.prepare('SELECT id, name, created_at AS createdAt FROM forests ORDER BY id LIMIT 1').get() as
      ForestRow | undefined;
    return row ?? null;
  }

  domains(forestId: number): DomainRow[] {
    return this.#db
      .prepare('SELECT id, name, source_path AS sourcePath, stats_json AS statsJson FROM domains WHERE forest_id = ? ORDER BY id')
      .all(forestId) as DomainRow[];
  }

  models(forestId: number): ModelRow[] {
    return this.#db
      .prepare('SELECT id, name, role, domain_id AS domainId FROM models WHERE forest_id = ? ORDER BY id')
      .all(forestId) as ModelRow[];
  }
}

export { latestVersion };
