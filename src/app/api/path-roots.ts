// Where the API may read folders and write exports. The desktop app and a loopback `grove serve` are the
// person's own machine and account, so any folder goes; a `grove serve` reachable from other machines is
// confined to a set of roots (`--allow-root`), so a token holder cannot read /etc/shadow into a domain or
// export over a file the server's user owns. Paths are resolved through symlinks (realpath) before the
// check, and the resolved path is what the engine then uses, so a link inside a root cannot lead out of it.
// In every mode an export never lands on the forest's own files (only its exports/ folder).
import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { GroveError } from '../../shared/api/errors';

/** Whether `p` is `root` or inside it (both absolute and normalised). */
export function isInside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

/**
 * The real path of `p`, or of its nearest existing ancestor with the missing rest appended (a destination to be
 * made). A dangling symlink on the way counts as existing and is refused: writing through it would create its target.
 */
function realpathAllowingMissing(p: string): string {
  const missing: string[] = [];
  let cur = p;
  while (lstatSync(cur, { throwIfNoEntry: false }) === undefined) {
    const parent = dirname(cur);
    if (parent === cur) break;
    missing.unshift(basename(cur));
    cur = parent;
  }
  try {
    return join(realpathSync(cur), ...missing);
  } catch {
    throw new GroveError('forbidden', `${cur} is a symbolic link that leads nowhere; remove it or choose another path than ${p}.`, {
      path: p,
    });
  }
}

export class PathRoots {
  private constructor(readonly roots: readonly string[] | null) {}

  /** Any folder of the machine (the desktop app, a loopback `grove serve`). */
  static unrestricted(): PathRoots {
    return new PathRoots(null);
  }

  /** Only inside these folders, each resolved through its symlinks; a root that is not a folder is refused by name. */
  static confinedTo(roots: readonly string[]): PathRoots {
    if (roots.length === 0) throw new GroveError('bad_input', 'Give at least one folder the server may read and write (--allow-root DIR).');
    return new PathRoots(
      roots.map((r) => {
        const abs = resolve(r);
        if (!existsSync(abs) || !statSync(abs).isDirectory())
          throw new GroveError('not_found', `--allow-root ${abs}: no such folder on this machine; create it or name another.`, {
            root: abs,
          });
        return realpathSync(abs);
      }),
    );
  }

  get confined(): boolean {
    return this.roots !== null;
  }

  /** A folder the engine will read (documents, a model folder): it must exist and, when confined, lie inside a root. Returns the path to use. */
  folder(path: string, what = 'folder', hint = ''): string {
    const abs = resolve(path);
    if (!existsSync(abs) || !statSync(abs).isDirectory())
      throw new GroveError('not_found', `${abs} is not a folder on this machine.${hint ? ` ${hint}` : ''}`, { folder: abs });
    if (!this.roots) return abs;
    const real = realpathSync(abs);
    this.assertInside(abs, real, what);
    return real;
  }

  /**
   * Where an export will be written (a file or folder, absolute). Never the forest's own files: inside the forest
   * home only its exports/ folder. When confined, inside a root, through symlinks. Returns the path to use.
   */
  destination(path: string, forestHome: string): string {
    if (!isAbsolute(path))
      throw new GroveError('bad_input', `The export destination must be an absolute path; got ${JSON.stringify(path)}.`, { out: path });
    const abs = resolve(path);
    const real = realpathAllowingMissing(abs);
    const home = realpathAllowingMissing(resolve(forestHome));
    const exportsDir = join(home, 'exports');
    if (isInside(home, real) && !(isInside(exportsDir, real) && real !== exportsDir)) {
      throw new GroveError(
        'forbidden',
        `${abs} is one of the forest's own files; export into ${join(resolve(forestHome), 'exports')} or a folder outside the forest home.`,
        { out: abs },
      );
    }
    if (!this.roots) return abs;
    this.assertInside(abs, real, 'export destination');
    return real;
  }

  private assertInside(given: string, real: string, what: string): void {
    if (this.roots?.some((root) => isInside(root, real))) return;
    const via = real === given ? '' : ` (it leads to ${real})`;
    throw new GroveError(
      'forbidden',
      `The ${what} ${given}${via} is outside the folders this server may use: ${(this.roots ?? []).join(', ')}. Move it into one of them, or restart \`grove serve\` with --allow-root <its folder>.`,
      { path: given, real, roots: this.roots },
    );
  }
}
