// The sha256 table of a bundle's files: made when a folder is written (every file under it, by relative path)
// and checked before the folder is used, so a changed, missing or half-copied file is refused by name.
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { sha256File } from '../../engine/file-hash';
import type { FileTable } from './manifest';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/** Every file under `root`/`folder`, keyed by its path relative to `root` (forward slashes). */
export async function hashFolder(root: string, folder: string): Promise<FileTable> {
  const table: FileTable = {};
  for (const path of await filesUnder(join(root, folder))) {
    const key = relative(root, path).split(sep).join('/');
    table[key] = { sha256: await sha256File(path), bytes: (await stat(path)).size };
  }
  return table;
}

/** Checks every file of `table` under `root`: present, of its size, of its sha256; throws naming the first that is not. */
export async function verifyFileTable(root: string, table: FileTable, what: string): Promise<void> {
  for (const [key, entry] of Object.entries(table)) {
    if (key.split('/').includes('..'))
      throw new GroveError('bad_input', `The ${what} names a file outside the bundle (${key}); refused.`, { bundle: root, file: key });
    const path = join(root, ...key.split('/'));
    const size = await stat(path).then(
      (s) => s.size,
      () => null,
    );
    if (size === null)
      throw new GroveError(
        'bad_input',
        `The ${what} is incomplete: ${key} is missing from ${root}. Copy the bundle again (or write it again).`,
        { bundle: root, file: key },
      );
    if (size !== entry.bytes)
      throw new GroveError(
        'bad_input',
        `The ${what} does not match its hashes: ${key} is ${size} bytes, the manifest says ${entry.bytes} (half-written or changed). Copy the bundle again.`,
        { bundle: root, file: key },
      );
    const sha = await sha256File(path);
    if (sha !== entry.sha256)
      throw new GroveError(
        'bad_input',
        `The ${what} does not match its hashes: ${key} has sha256 ${sha.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}… (changed after it was written). Copy the bundle again.`,
        { bundle: root, file: key },
      );
  }
}
