// Content-addressed model folders (the forest's store: models/<sha256 of model.safetensors>/) check their
// weights against their name when they are opened, so a damaged or swapped file is never trusted. Hashing a
// large file takes seconds, so a verified file leaves a stamp (size and mtime) and is hashed again only
// when either changes.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { sha256File } from '../file-hash';

const SHA256_NAME = /^[0-9a-f]{64}$/;
const STAMP = '.verified.json';

interface Stamp {
  size: number;
  mtimeMs: number;
}

/** Verifies `folder/weightsFile` against the folder's name when the name is a sha256; other folders pass as they are. */
export async function verifyContentAddress(folder: string, weightsFile: string): Promise<void> {
  const expected = basename(folder);
  if (!SHA256_NAME.test(expected)) return;
  const path = join(folder, weightsFile);
  const s = await stat(path);
  const stampPath = join(folder, STAMP);
  const stamp = (await readFile(stampPath, 'utf8').then((t) => JSON.parse(t) as Stamp, () => null)) ?? null;
  if (stamp && stamp.size === s.size && stamp.mtimeMs === s.mtimeMs) return;
  const actual = await sha256File(path);
  if (actual !== expected) {
    throw new GroveError('internal', `${path} is damaged: its sha256 is ${actual.slice(0, 12)}…, but the store named it ${expected.slice(0, 12)}…. Remove the model that uses it and restore it from an export or a backup.`, { path, expected, actual });
  }
  // A stamp that cannot be written (a read-only store) only means hashing again next time.
  await writeFile(stampPath, JSON.stringify({ size: s.size, mtimeMs: s.mtimeMs } satisfies Stamp)).catch(() => undefined);
}
