// The catalog's schema history. Each migration runs once, in order, inside a transaction; the applied
// version is SQLite's user_version. Never edit a released migration: add the next one.
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

const now = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'forests, domains, models',
    up(db) {
      db.exec(`
        CREATE TABLE forests (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
        CREATE TABLE domains (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          source_path TEXT,
          created_at TEXT NOT NULL DEFAULT ${now},
          UNIQUE (forest_id, name)
        );
        CREATE TABLE models (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('seed', 'expert', 'collapsed', 'imported')),
          domain_id INTEGER REFERENCES domains(id) ON DELETE SET NULL,
          weights_sha256 TEXT,
          weights_bytes INTEGER,
          created_at TEXT NOT NULL DEFAULT ${now},
          UNIQUE (forest_id, name)
        );
      `);
    },
  },
];

export const latestVersion = migrations.at(-1)?.version ?? 0;
