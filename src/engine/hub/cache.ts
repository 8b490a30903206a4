// The download cache, laid out like huggingface_hub's: models--{owner}--{name}/ with blobs/{hash} (verified
// content, named by sha256 or git blob id), blobs/{hash}.incomplete (a download to resume), refs/{revision}
// (the commit a branch or tag pointed to) and snapshots/{commit}/{file} (links to the blobs).
import { copyFile, link, lstat, mkdir, readFile, readlink, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { tempPathFor, writeFileDurable } from '../durable-write';
import { processAlive } from '../process-alive';
import { validateRepoId } from './endpoint';

/** Grove's Hub cache inside a forest home. */
export function hubCacheDir(forestHome: string): string {
  return join(forestHome, 'hub');
}

export function repoCacheDir(cacheDir: string, repoId: string): string {
  return join(cacheDir, `models--${repoId.replaceAll('/', '--')}`);
}

/**
 * The repository id of a snapshot folder of a Hub cache laid out as this one (Grove's, or huggingface_hub's
 * ~/.cache/huggingface/hub): .../models--{owner}--{name}/snapshots/{commit}; null for any other folder. A repo
 * id never holds '--' (validateRepoId), so the folder name reads back one way only.
 */
export function repoIdOfSnapshot(folder: string): string | null {
  const snapshots = dirname(resolve(folder));
  if (basename(snapshots) !== 'snapshots') return null;
  const [kind, ...parts] = basename(dirname(snapshots)).split('--');
  if (kind !== 'models' || parts.length < 1 || parts.length > 2) return null;
  try {
    return validateRepoId(parts.join('/'));
  } catch {
    return null;
  }
}

export function blobPath(repoDir: string, hash: string): string {
  return join(repoDir, 'blobs', hash);
}

export function incompletePath(repoDir: string, hash: string): string {
  return `${blobPath(repoDir, hash)}.incomplete`;
}

export function snapshotDir(repoDir: string, commit: string): string {
  return join(repoDir, 'snapshots', commit);
}

/** A blob is only ever moved into place after its size and hash were checked, so its presence is proof. */
export async function hasBlob(repoDir: string, hash: string, size: number | null): Promise<boolean> {
  const info = await stat(blobPath(repoDir, hash)).catch(() => null);
  return info !== null && info.isFile() && (size === null || info.size === size);
}

export async function readRef(repoDir: string, revision: string): Promise<string | null> {
  const text = await readFile(join(repoDir, 'refs', revision), 'utf8').catch(() => null);
  const commit = text?.trim() ?? '';
  return /^[0-9a-f]{40}$/.test(commit) ? commit : null;
}

export async function writeRef(repoDir: string, revision: string, commit: string): Promise<void> {
  const path = join(repoDir, 'refs', revision);
  await mkdir(dirname(path), { recursive: true });
  await writeFileDurable(path, commit);
}

/**
 * Makes snapshots/{commit}/{file} point at its blob: a relative symlink as huggingface_hub makes, else (Windows
 * without the symlink privilege) a hard link, else a copy. Replaces a stale entry atomically.
 */
export async function linkIntoSnapshot(repoDir: string, commit: string, file: string, hash: string): Promise<string> {
  const target = join(snapshotDir(repoDir, commit), file);
  const blob = blobPath(repoDir, hash);
  await mkdir(dirname(target), { recursive: true });
  const relativeBlob = relative(dirname(target), blob);
  const existing = await lstat(target).catch(() => null);
  if (existing?.isSymbolicLink() && (await readlink(target).catch(() => null)) === relativeBlob) return target;
  if (existing?.isFile()) {
    const [a, b] = await Promise.all([stat(target), stat(blob)]);
    if (a.ino === b.ino && a.dev === b.dev) return target;
  }
  const temp = tempPathFor(target);
  try {
    await symlink(relativeBlob, temp);
  } catch {
    try {
      await link(blob, temp);
    } catch {
      await copyFile(blob, temp);
    }
  }
  try {
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  return target;
}

/**
 * One downloader per blob, across processes: blobs/{hash}.lock holds the owner's pid. A lock whose process
 * is gone (a crash) is taken over. Returns the release function.
 */
export async function lockBlob(repoDir: string, hash: string, file: string): Promise<() => Promise<void>> {
  const path = `${blobPath(repoDir, hash)}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return () => unlink(path).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (attempt === 0 && !(Number.isInteger(owner) && owner > 0 && processAlive(owner))) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    throw new GroveError(
      'conflict',
      `${file} is being downloaded by ${owner === process.pid ? 'another download in this process' : `another Grove process (pid ${owner})`}. Wait for it to finish, then try again.`,
      { file, pid: owner, lock: path },
    );
  }
}
