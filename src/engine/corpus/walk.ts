// Walks a dropped folder: recursive, sorted, symlink-safe (no loops, nothing outside unless allowed), ignore rules with .groveignore.
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { GroveError } from '../../shared/api/errors';
import { GROVEIGNORE } from './settings';
import type { SkipReason } from './types';

export interface WalkFile {
  kind: 'file';
  path: string; // relative, '/'-separated
  abs: string;
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
    throw new GroveError('not_found', `Cannot ingest "${root}": it is not a readable folder. Drop a folder, not a single file.`, { path: root });
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

  const visit = async (relDir: string, absDir: string, levels: RuleLevel[], ancestors: Set<string>): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(absDir)).sort();
    } catch (err) {
      out.push({ kind: 'skip', path: relDir || '.', reason: 'unreadable', detail: `Folder cannot be listed (${code(err)}); check its permissions.`, bytes: 0 });
      return;
    }
    let here = levels;
    if (names.includes(GROVEIGNORE)) {
      const text = await readFile(join(absDir, GROVEIGNORE), 'utf8').catch(() => '');
      // The root's .groveignore joins the settings' list so `!pattern` can re-include a default.
      if (relDir === '') rootRules.add(text);
      else here = [...levels, { base: relDir, rules: ignore().add(text) }];
    }
    // Metadata for the whole folder at once: thousands of small files are bound by syscall latency, not CPU.
    const infos = await Promise.all(names.map((name) => lstat(join(absDir, name)).catch((err: unknown) => err)));
    for (const [i, name] of names.entries()) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = join(absDir, name);
      const info = infos[i];
      if (!(info instanceof Stats)) {
        const err = info;
        out.push({ kind: 'skip', path: rel, reason: 'unreadable', detail: `Cannot read its metadata (${code(err)}).`, bytes: 0 });
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
            detail: loop ? 'Symbolic link points back to itself.' : `Broken symbolic link: its target does not exist (${code(err)}).`,
            bytes: 0,
          });
          continue;
        }
      }
      const isDir = target.isDirectory();
      const rule = isIgnored(here, rel, isDir);
      if (rule !== undefined) {
        out.push({ kind: 'skip', path: isDir ? `${rel}/` : rel, reason: 'ignored by rule', detail: `Matches ignore rule "${rule}"; edit the ignore list or .groveignore to include it.`, bytes: isDir ? 0 : target.size });
        continue;
      }
      const real = info.isSymbolicLink() || isDir ? await realpath(abs).catch(() => abs) : abs;
      if (info.isSymbolicLink() && !options.allowOutside && !inside(rootReal, real)) {
        out.push({ kind: 'skip', path: rel, reason: 'outside folder', detail: `Symbolic link leads outside the dropped folder (to ${real}); allow links outside to include it.`, bytes: 0 });
        continue;
      }
      if (isDir) {
        if (excluded.has(real)) {
          out.push({ kind: 'skip', path: `${rel}/`, reason: 'ignored by rule', detail: "Grove's own output folder.", bytes: 0 });
          continue;
        }
        const id = `${target.dev}:${target.ino}`;
        if (ancestors.has(id)) {
          out.push({ kind: 'skip', path: `${rel}/`, reason: 'symlink loop', detail: 'Symbolic link leads back into a folder that contains it; not followed.', bytes: 0 });
          continue;
        }
        const first = seenDirs.get(id);
        if (first !== undefined) {
          out.push({ kind: 'skip', path: `${rel}/`, reason: 'duplicate', detail: `Same folder as "${first}" (reached through a symbolic link).`, bytes: 0, duplicateOf: first });
          continue;
        }
        seenDirs.set(id, rel);
        await visit(rel, abs, here, new Set([...ancestors, id]));
        continue;
      }
      if (!target.isFile()) {
        out.push({ kind: 'skip', path: rel, reason: 'unreadable', detail: `Not a regular file (${kindOf(target)}); only files are read.`, bytes: 0 });
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
