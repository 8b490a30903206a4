// Each Catalog's SQLite handle, for the catalog's own table modules: the Catalog keeps it private (#db), so
// a query can only be written in src/app/catalog, where its table's module is. Tests may reach it too,
// to set up rows the app never writes or to read a column no module returns; the lint rule (eslint.config.mjs)
// refuses this import anywhere else.
import type Database from 'better-sqlite3';
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from './catalog';

const handles = new WeakMap<Catalog, Database.Database>();

/** Called once by the Catalog that opened `db`. */
export function attachDatabase(catalog: Catalog, db: Database.Database): void {
  handles.set(catalog, db);
}

/** The SQLite handle of `catalog`, for queries in the catalog's table modules. */
export function databaseOf(catalog: Catalog): Database.Database {
  const db = handles.get(catalog);
  // Unreachable while Catalog's constructor is private and attaches its handle; said plainly if that changes.
  if (!db) throw new GroveError('internal', 'This catalog has no database: open catalogs with Catalog.open.');
  return db;
}
