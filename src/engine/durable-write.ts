// The one way Grove writes a file it must be able to trust after a crash: to a temporary name unique to this
// write (process id and a random tag, so two writers of the same file, in one process or two, never share
// one), flushed to disk, renamed over the real name, and the folder entry flushed too. A reader then sees the
// old file or the new one, whole, never a mix; a writer that dies leaves only its temporary file, which the
// cleanup of its folder recognises by TEMP_SUFFIX.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { copyFile, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a temporary name ends with: `.tmp-<pid>` or `.tmp-<pid>-<hex>`. */
export const TEMP_SUFFIX = /\.tmp-\d+(-[0-9a-f]+)?$/;

/** A temporary name beside `path`, unique to this write. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export interface DurableOptions {
  /** File mode on creation (e.g. 0o600 for a secret); applied whatever the umask. */
  mode?: number;
}

export async function writeFileDurable(path: string, data: string | Uint8Array, o: DurableOptions = {}): Promise<void> {
  await throughTemp(path, async (tmp) => {
    const fh = await open(tmp, 'wx', o.mode ?? 0o666);
    try {
      if (o.mode !== undefined) await fh.chmod(o.mode); // open()'s mode is masked by the umask; chmod's is not
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

/** Fills a temporary name beside `path` with `fill` (which flushes it), then commits it; a failed fill leaves nothing. */
async function throughTemp(path: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await fill(tmp);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await commitFile(tmp, path);
}

/** The same, for the few callers that cannot wait (a window's state as the app quits, a graph compiled in a constructor). */
export function writeFileDurableSync(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDirSync(dirname(path));
}

/** Renames a flushed temporary file (or folder) to its final name and makes the rename itself durable. */
export async function commitFile(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await syncDir(dirname(path));
}

/** Flushes a folder's entries. Windows cannot open a folder: there the rename is as durable as the platform allows. */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function syncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies a file as writeFileDurable writes one: to a temporary name, flushed, renamed over `to`. */
export async function copyFileDurable(from: string, to: string): Promise<void> {
  await throughTemp(to, async (tmp) => {
    await copyFile(from, tmp);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}
