// The command a Slurm task runs to train a bundle: this very Grove's `bundle run` (bin/grove.js of the checkout
// or install this engine was built from), under Node. The compute nodes must see that path, as they see the
// shared folder (docs/slurm.md); an Electron host names `node` (its own binary is not Node). Where Grove is
// installed elsewhere on the nodes (the Slurm settings' groveDir), that install runs under the nodes' `node`:
// this machine's paths say nothing of theirs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GroveError } from '../../shared/api/errors';

/** The Grove root above this module: the first folder up with bin/grove.js and package.json. */
export function groveRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'grove.js')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir)
      throw new GroveError('internal', `No Grove installation (bin/grove.js) above ${from}: Slurm tasks would have no Grove to run.`);
  }
}

/** `node <grove>/bin/grove.js bundle run` (each task appends its bundle folder); `groveDir`: Grove's folder on the nodes. */
export function bundleRunCommand(groveDir?: string): string[] {
  if (groveDir) return ['node', join(groveDir, 'bin', 'grove.js'), 'bundle', 'run'];
  const node = process.versions.electron ? 'node' : process.execPath;
  return [node, join(groveRoot(), 'bin', 'grove.js'), 'bundle', 'run'];
}
