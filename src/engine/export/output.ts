// Where an export lands: everything is written under a temporary name beside the destination, flushed, and
// renamed into place only when complete, so a crash or error never leaves a half-written export at `out`.
// The temporary name carries the writer's pid: what a process that died left there is removed by the next
// export into that folder, and by `grove gc`.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { syncFolder } from '../model/safetensors-write';
import { processAlive } from '../process-alive';

/** `.<name>.grove-export-<pid>-<random>` (and its `.old` while --force swaps): a temporary export. */
const EXPORT_TEMP = /^\..+\.grove-export-(\d+)-[0-9a-f]+(\.old)?$/;

/** The temporary exports in `folder` whose writer is gone (half-written by a process that died). */
export async function staleExportTemps(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names
    .filter((n) => {
      const m = EXPORT_TEMP.exec(n);
      return m !== null && Number(m[1]) !== process.pid && !processAlive(Number(m[1]));
    })
    .map((n) => join(folder, n));
}

export interface OutputOptions {
  /** Replace an existing file or folder at the destination. */
  force?: boolean;
}

/** Refuses an existing destination unless `force`; checked before any work so a long export never fails at the end. */
export async function checkDestination(out: string, options: OutputOptions = {}): Promise<void> {
  const existing = await stat(out).catch(() => null);
  if (existing && !options.force) {
    throw new GroveError('conflict', `${out} exists already; choose another output path or pass --force to replace it.`, { path: out });
  }
  const parent = await stat(dirname(resolve(out))).catch(() => null);
  if (!parent?.isDirectory())
    throw new GroveError('not_found', `${dirname(resolve(out))} is not a folder; create it first or choose another output path.`, {
      path: out,
    });
}

/** A fresh temporary name beside `target` (absolute), of the form staleExportTemps recognises. */
function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.grove-export-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * A scratch folder beside the destination `out` for what an export writes on the way (a light expert folded into
 * its base before it is written as a full model): named as a temporary export, so what a killed process left
 * is removed by the next export there and by `grove gc`. The caller removes it when done.
 */
export async function makeScratchFolder(out: string): Promise<string> {
  const scratch = tempBeside(resolve(out));
  await mkdir(scratch);
  return scratch;
}

/**
 * Runs `write(tempPath)` and moves its result (a file or a folder) to `out`. `kind` says which the writer
 * makes: for 'folder' the temporary folder is created for it. On failure the temporary path is removed.
 */
export async function writeAtomically<T>(
  out: string,
  kind: 'file' | 'folder',
  options: OutputOptions,
  write: (tempPath: string) => Promise<T>,
): Promise<T> {
  const target = resolve(out);
  await checkDestination(target, options);
  const parent = dirname(target);
  for (const stale of await staleExportTemps(parent)) await rm(stale, { recursive: true, force: true });
  const temp = tempBeside(target);
  if (kind === 'folder') await mkdir(temp);
  let result: T;
  try {
    result = await write(temp);
    if (kind === 'folder') await syncFolder(temp);
    const existing = await stat(target).catch(() => null);
    if (existing) {
      // --force: move the old one aside first (a folder cannot be renamed over), then drop it.
      const old = `${temp}.old`;
      await rename(target, old);
      await rename(temp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, target);
    }
  } catch (err) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  await syncFolder(parent);
  return result;
}
