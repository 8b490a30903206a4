// The catalog's schema as text, read from a catalog's sqlite_master: what src/app/catalog/schema.sql holds
// for a freshly migrated catalog, so a reader sees every table and index in one place and a reviewer sees a
// migration's effect as a diff. The migrations stay the source of truth; test/app/catalog/schema.test.ts
// keeps the file equal to what they build, and scripts/write-catalog-schema.ts rewrites it.
//
// SQLite stores each CREATE statement as it was written, and ALTER TABLE ADD COLUMN splices the new column
// into that text; the statements are printed here in one layout (a column or constraint per line, runs of
// whitespace outside quotes made one space) so that the file depends on the schema, not on how a migration
// was indented.
import type { Catalog } from './catalog';
import { databaseOf } from './database';

/** Where the checked-in schema lives, from the repository root. */
export const SCHEMA_FILE = 'src/app/catalog/schema.sql';

/** The regeneration command the schema test names when the file is out of date. */
export const WRITE_SCHEMA_COMMAND = 'npm run catalog:schema';

interface MasterRow {
  type: 'table' | 'index' | 'view' | 'trigger';
  name: string;
  tableName: string;
  sql: string;
}

/** Runs of whitespace outside quotes become one space (none after "(" or before ")" and ","); `--` comments are dropped. */
function squeeze(sql: string): string {
  let out = '';
  let quote: string | null = null;
  let space = false;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      out += c;
      if (c === quote) quote = null;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i + 1 < sql.length && sql[i + 1] !== '\n') i++;
      space = true;
      continue;
    }
    if (/\s/.test(c)) {
      space = true;
      continue;
    }
    if (space && out !== '' && !out.endsWith('(') && c !== ')' && c !== ',') out += ' ';
    space = false;
    out += c;
    if (c === "'" || c === '"' || c === '`') quote = c;
  }
  return out;
}

/** Splits at the commas that are not inside parentheses or quotes. */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** A CREATE TABLE with one column or constraint per line; any other statement on one line. */
function layout(row: MasterRow): string {
  const sql = squeeze(row.sql);
  if (row.type !== 'table') return `${sql};`;
  const open = sql.indexOf('(');
  const close = sql.lastIndexOf(')');
  const head = sql.slice(0, open).trim();
  const tail = sql.slice(close + 1).trim();
  const items = splitTopLevel(sql.slice(open + 1, close));
  return `${head} (\n${items.map((item) => `  ${item}`).join(',\n')}\n)${tail ? ` ${tail}` : ''};`;
}

/**
 * The schema of `catalog`: its version, then every table (by name) followed by its indexes, triggers and
 * views on it (by name). SQLite's own objects (autoindexes of UNIQUE and PRIMARY KEY) are implied and left out.
 */
export function catalogSchemaSql(catalog: Catalog): string {
  const rows = databaseOf(catalog)
    .prepare(
      "SELECT type, name, tbl_name AS tableName, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all() as MasterRow[];
  const tables = rows.filter((r) => r.type === 'table');
  const statements = tables.flatMap((t) => [t, ...rows.filter((r) => r.type !== 'table' && r.tableName === t.name)].map(layout));
  const orphans = rows.filter((r) => r.type !== 'table' && !tables.some((t) => t.name === r.tableName)).map(layout);
  return [
    `-- The Grove catalog's schema at version ${catalog.schemaVersion}, as the migrations (migrations.ts) leave it.`,
    `-- Generated: ${WRITE_SCHEMA_COMMAND} rewrites it; test/app/catalog/schema.test.ts keeps it equal to a migrated catalog.`,
    `-- Change the schema with a new migration, never here and never in a released migration.`,
    '',
    `PRAGMA user_version = ${catalog.schemaVersion};`,
    '',
    [...statements, ...orphans].join('\n\n'),
    '',
  ].join('\n');
}
