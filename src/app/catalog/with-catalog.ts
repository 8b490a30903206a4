// A forest home's catalog opened for one use and closed after it, whatever the use throws: how the CLI's
// read-only commands and the bench read what the jobs wrote, without holding the database open.
import { catalogPath } from '../home';
import { Catalog } from './catalog';

export function withCatalog<T>(home: string, use: (c: Catalog) => T): T {
  const catalog = Catalog.open(catalogPath(home));
  try {
    return use(catalog);
  } finally {
    catalog.close();
  }
}
