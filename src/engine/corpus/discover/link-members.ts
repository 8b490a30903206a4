// A discovered domain's folder: hard links to its member files (copies across file systems), at the same paths
// relative to the dropped folder. Hard links keep size and mtime, so the domain's ingest finds the files it was
// seeded with (seed-domain.ts) unchanged; a copy is found unchanged by its content hash.
import { copyFileSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function linkMembers(folder: string, members: readonly string[], to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const path of members) {
    const target = join(to, path);
    mkdirSync(dirname(target), { recursive: true });
    try {
      linkSync(join(folder, path), target);
    } catch {
      copyFileSync(join(folder, path), target);
    }
  }
}
