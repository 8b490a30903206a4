// `npm run catalog:schema`: rewrites src/app/catalog/schema.sql from a freshly migrated in-memory catalog,
// after a new migration. Review the diff it makes: it is the migration's effect on the schema.
// Run by jiti (TypeScript without a build step), which the toolchain already has.
import { join } from 'node:path';
import { Catalog } from '../src/app/catalog/catalog';
import { catalogSchemaSql, SCHEMA_FILE } from '../src/app/catalog/schema';
import { writeFileDurableSync } from '../src/engine/durable-write';

const catalog = Catalog.open(':memory:');
try {
  const path = join(import.meta.dirname, '..', SCHEMA_FILE);
  writeFileDurableSync(path, catalogSchemaSql(catalog));
  console.log(`Wrote ${SCHEMA_FILE} (schema version ${catalog.schemaVersion}).`);
} finally {
  catalog.close();
}
