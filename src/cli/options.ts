// Options shared by every command.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Catalog } from '../app/catalog/catalog';
import { findModel, type StoredModel } from '../app/catalog/models';
import { catalogPath, defaultForestHome } from '../app/home';
import { storedModelFolder } from '../app/store/model-store';
import { GroveError } from '../shared/api/errors';
import { checkName } from '../shared/api/names';

/** Option parsers for the names a command gives a new domain or model: the API's rule (shared/api/names.ts), checked before anything runs. */
export const domainNameArg = (value: string): string => checkName('domain', value);
export const modelNameArg = (value: string): string => checkName('model', value);

export function forestHomeOf(cmd: Command): string {
  const home = cmd.optsWithGlobals<{ home?: string }>().home;
  return home ? resolve(home) : defaultForestHome();
}

/**
 * A model given on the command line: a folder path (given to `folder`, absolute), or the name (or id) of a model in
 * the forest's catalog (given to `model` while the catalog is open).
 */
export function resolveModel<T>(
  home: string,
  nameOrPath: string,
  use: { folder: (path: string) => T; model: (catalog: Catalog, model: StoredModel) => T },
): T {
  if (existsSync(nameOrPath) && statSync(nameOrPath).isDirectory()) return use.folder(resolve(nameOrPath));
  const catalog = Catalog.open(catalogPath(home));
  try {
    const model = findModel(catalog, nameOrPath);
    if (!model)
      throw new GroveError(
        'not_found',
        `No model folder or catalog model named ${JSON.stringify(nameOrPath)} in ${home}; see \`grove list\`.`,
      );
    return use.model(catalog, model);
  } finally {
    catalog.close();
  }
}

/** A model given on the command line as its folder: a folder path, or a model of the forest's catalog. */
export function resolveModelFolder(home: string, nameOrPath: string): string {
  return resolveModel(home, nameOrPath, {
    folder: (path) => path,
    model: (_catalog, model) => storedModelFolder(home, model.weightsSha256),
  });
}
