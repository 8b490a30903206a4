// Walks a dropped folder: recursive, sorted, symlink-safe (no loops, nothing outside unless allowed), ignore rules with .groveignore.
// Names are listed as bytes: a name that is not valid UTF-8 (common on Linux disks written by older systems) is
// opened by its exact bytes and reported with the invalid bytes escaped, instead of "not found".
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { Stats } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { GroveError } from '../../shared/api/errors';
import { listFailure, readFailure } from './read-errors';
import { GROVEIGNORE } from './settings';
import type { SkipReason } from './types';

/** A path as the file system takes it: a string, or the exact bytes when a name on it is not valid UTF-8. */
export type FsPath = string | Buffer;

export interface WalkFile {
  kind: 'file';
  path: string; // relative, '/'-separated, for people and the catalog (invalid UTF-8 bytes written as \xNN)
  abs: FsPath; // what opens it
  size: number;
  mtimeMs: number;
}

export interface WalkSkip {
  kind: 'skip';
  path: string;
  reason: SkipReason;
  detail: string;
  bytes: number;
  duplicateOf?: string;
}

export type WalkEntry = WalkFile | WalkSkip;

export interface WalkOptions {
  ignore: readonly string[];
  allowOutside: boolean;
  /** Absolute folders never entered (Grove's own output folder when it sits inside the dropped one). */
  exclude?: readonly string[];
}

interface RuleLevel {
  base: string; // relative folder the rules belong to ('' for the root)
  rules: Ignore;
}

/** Returns every file and every skipped entry under `root`, sorted by path. Ignored folders appear once, not file by file. */
export async function walkFolder(root: string, options: WalkOptions): Promise<WalkEntry[]> {
  let rootReal: string;
  try {
    rootReal = await realpath(root);
    if (!(await stat(rootReal)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new GroveError('not_found', `Cannot ingest "${root}": it is not a readable folder. Drop a folder, not a single file.`, {
      path: root,
    });
  }
  const excluded = new Set<string>();
  for (const ex of options.exclude ?? []) excluded.add(await realpath(ex).catch(() => ex));
  const out: WalkEntry[] = [];
  const seenDirs = new Map<string, string>(); // dev:ino -> first relative path, across the whole walk
  const rootRules = ignore().add([...options.ignore]);

  const isIgnored = (levels: RuleLevel[], rel: string, isDir: boolean): string | undefined => {
    let hit: string | undefined;
    for (const level of levels) {
      const local = level.base ? rel.slice(level.base.length + 1) : rel;
      const result = level.rules.test(isDir ? `${local}/` : local);
      if (result.ignored) hit = result.rule?.pattern ?? 'a parent rule';
      else if (result.unignored) hit = undefined;
    }
    return hit;
  };

  const visit = async (relDir: string, absDir: FsPath, levels: RuleLevel[], ancestors: Set<string>): Promise<void> => {
    let listed: Buffer[];
    try {
      listed = await readdir(absDir, { encoding: 'buffer' });
    } catch (err) {
      out.push({ kind: 'skip', path: relDir || '.', reason: 'unreadable', detail: listFailure(err), bytes: 0 });
      return;
    }
    const children = listed
      .map((bytes) => ({ name: displayName(bytes), abs: childPath(absDir, bytes) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let here = levels;
    if (children.some((c) => c.name === GROVEIGNORE)) {
      const text = await readFile(childPath(absDir, Buffer.from(GROVEIGNORE)), 'utf8').catch(() => '');
      // The root's .groveignore joins the settings' list so `!pattern` can re-include a default.
      if (relDir === '') rootRules.add(text);
      else here = [...levels, { base: relDir, rules: ignore().add(text) }];
    }
    // Metadata for the whole folder at once: thousands of small files are bound by syscall latency, not CPU.
    const infos = await Promise.all(children.map((c) => lstat(c.abs).catch((err: unknown) => err)));
    for (const [i, { name, abs }] of children.entries()) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const info = infos[i];
      if (!(info instanceof Stats)) {
        const err = info;
        out.push({
          kind: 'skip',
          path: rel,
          reason: 'unreadable',
          detail: readFailure(err)?.detail ?? 'Its details (size, type) cannot be read; check its permissions.',
          bytes: 0,
        });
        continue;
      }
      let target: Stats = info;
      if (info.isSymbolicLink()) {
        try {
          target = await stat(abs);
        } catch (err) {
          const loop = code(err) === 'ELOOP';
          out.push({
            kind: 'skip',
            path: rel,
            reason: loop ? 'symlink loop' : 'unreadable',
            detail: loop
              ? 'Symbolic link points back to itself.'
              : code(err) === 'ENOENT'
                ? 'Broken symbolic link: its target does not exist; fix or remove the link.'
                : `Symbolic link whose target cannot be read: ${readFailure(err)?.detail ?? 'check the target and its permissions.'}`,
            bytes: 0,
          });
          continue;
        }
      }
      const isDir = target.isDirectory();
      const rule = isIgnored(here, rel, isDir);
      if (rule !== undefined) {
        out.push({
          kind: 'skip',
          path: isDir ? `${rel}/` : rel,
          reason: 'ignored by rule',
          detail: `Matches ignore rule "${rule}"; edit the ignore list or .groveignore to include it.`,
          bytes: isDir ? 0 : target.size,
        });
        continue;
      }
      const real = info.isSymbolicLink() || isDir ? await realpath(abs).catch(() => abs.toString()) : abs.toString();
      if (info.isSymbolicLink() && !options.allowOutside && !inside(rootReal, real)) {
        out.push({
          kind: 'skip',
          path: rel,
          reason: 'outside folder',
          detail: `Symbolic link leads outside the dropped folder (to ${real}); allow links outside to include it.`,
          bytes: 0,
        });
        continue;
      }
      if (isDir) {
        if (excluded.has(real)) {
          out.push({ kind: 'skip', path: `${rel}/`, reason: 'ignored by rule', detail: "Grove's own output folder.", bytes: 0 });
          continue;
        }
        const id = `${target.dev}:${target.ino}`;
        if (ancestors.has(id)) {
          out.push({
            kind: 'skip',
            path: `${rel}/`,
            reason: 'symlink loop',
            detail: 'Symbolic link leads back into a folder that contains it; not followed.',
            bytes: 0,
          });
          continue;
        }
        const first = seenDirs.get(id);
        if (first !== undefined) {
          out.push({
            kind: 'skip',
            path: `${rel}/`,
            reason: 'duplicate',
            detail: `Same folder as "${first}" (reached through a symbolic link).`,
            bytes: 0,
            duplicateOf: first,
          });
          continue;
        }
        seenDirs.set(id, rel);
        await visit(rel, abs, here, new Set([...ancestors, id]));
        continue;
      }
      if (!target.isFile()) {
        out.push({
          kind: 'skip',
          path: rel,
          reason: 'unreadable',
          detail: `Not a regular file (${kindOf(target)}); only files are read.`,
          bytes: 0,
        });
        continue;
      }
      out.push({ kind: 'file', path: rel, abs, size: target.size, mtimeMs: target.mtimeMs });
    }
  };

  const rootInfo = await stat(rootReal);
  const rootId = `${rootInfo.dev}:${rootInfo.ino}`;
  seenDirs.set(rootId, '.');
  await visit('', rootReal, [{ base: '', rules: rootRules }], new Set([rootId]));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A name for people: the name itself when it is valid UTF-8, else its valid parts with each invalid byte written as \xNN. */
export function displayName(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    const seq = len ? bytes.subarray(i, i + len) : undefined;
    if (seq && seq.length === len && isUtf8(seq)) {
      out += seq.toString('utf8');
      i += len;
    } else {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** A child of `dir` as the file system takes it: a string while every name is valid UTF-8, else exact bytes (a string would turn invalid bytes into U+FFFD and name another file). */
function childPath(dir: FsPath, name: Buffer): FsPath {
  if (typeof dir === 'string' && isUtf8(name)) return join(dir, name.toString('utf8'));
  return Buffer.concat([typeof dir === 'string' ? Buffer.from(dir) : dir, Buffer.from(sep), name]);
}

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !r.startsWith(sep));
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? String(err);
}

function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a file';
}
