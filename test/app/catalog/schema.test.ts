import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Catalog, latestVersion } from '../../../src/app/catalog/catalog';
import { migrations, type Migration } from '../../../src/app/catalog/migrations';
import { catalogSchemaSql, SCHEMA_FILE, WRITE_SCHEMA_COMMAND } from '../../../src/app/catalog/schema';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
// A checkout that turned line ends into CRLF has the same schema.
const checkedIn = readFileSync(join(import.meta.dirname, '..', '..', '..', SCHEMA_FILE), 'utf8').replace(/\r\n/g, '\n');
const OUT_OF_DATE = `${SCHEMA_FILE} is not the schema the migrations build. After adding a migration, run \`${WRITE_SCHEMA_COMMAND}\` and commit the file with it (its diff is the migration's effect). Never edit schema.sql by hand, and never change a released migration to match it.`;

function schemaOf(open: () => Catalog): string {
  const catalog = open();
  try {
    return catalogSchemaSql(catalog);
  } finally {
    catalog.close();
  }
}

describe('schema.sql', () => {
  it('is the schema a freshly migrated catalog has', () => {
    expect(
      schemaOf(() => Catalog.open(join(dir, 'fresh.sqlite'))),
      OUT_OF_DATE,
    ).toBe(checkedIn);
    expect(checkedIn).toContain(`PRAGMA user_version = ${latestVersion};`);
  });

  it('builds that same schema when run as SQL', () => {
    const file = join(dir, 'from-schema-sql.sqlite');
    const raw = new Database(file);
    raw.exec(checkedIn);
    raw.close();
    expect(schemaOf(() => Catalog.open(file))).toBe(checkedIn);
  });

  it('tells a migration that changed the schema from the file', () => {
    const extra: Migration = {
      version: latestVersion + 1,
      name: 'a note on forests',
      up: (db) => db.exec('ALTER TABLE forests ADD COLUMN note TEXT CHECK (length(note) < 100)'),
    };
    const changed = schemaOf(() => {
      const catalog = Catalog.open(join(dir, 'changed.sqlite'));
      catalog.migrate([...migrations, extra]);
      return catalog;
    });
    expect(changed).not.toBe(checkedIn);
    expect(changed).toContain(`PRAGMA user_version = ${latestVersion + 1};`);
    expect(changed).toMatch(/ {2}settings_json TEXT,\n {2}note TEXT CHECK \(length\(note\) < 100\)\n\);/);
  });
});
