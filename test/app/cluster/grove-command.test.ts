// The command a Slurm task runs: this checkout's bin/grove.js under this Node by default; with Grove installed
// elsewhere on the nodes (the settings' groveDir), that install's bin/grove.js under the nodes' own `node`.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleRunCommand } from '../../../src/app/cluster/grove-command';
import { repoRoot } from '../../helpers/grove-process';

describe('bundleRunCommand', () => {
  it("runs this checkout's Grove under this Node by default", () => {
    expect(bundleRunCommand()).toEqual([process.execPath, join(repoRoot, 'bin', 'grove.js'), 'bundle', 'run']);
  });

  it("runs the nodes' Grove under their node when it lives elsewhere", () => {
    expect(bundleRunCommand('/opt/grove')).toEqual(['node', '/opt/grove/bin/grove.js', 'bundle', 'run']);
  });
});
