// `grove add <folder> --discover --names ... --on slurm` against a real one-node Slurm cluster (test/helpers/slurm.ts):
// the mixed folder's three clusters found, one dropped, and the two kept domains' experts sent to Slurm as one job
// array once both are ingested (not one job each, and not trained here), then merged as the explicit folders' are.
// The tasks run Grove from the settings' "Grove on the nodes" (here this checkout seen through another path, a
// symlink), which the batch script names instead of this Grove's own path.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BundleProgress } from '../../../src/app/bundle/progress-file';
import { assertBuilt, groveBin, repoRoot } from '../../helpers/grove-process';
import { writeMixedFolder } from '../../helpers/mixed-folder';
import { slurmClusterFor } from '../../helpers/slurm';
import { initTinyForest } from '../../helpers/tiny-forest';
import { tempDir } from '../../helpers/tmp';

const env = slurmClusterFor('grove add --discover --on slurm');
const dir = tempDir('grove-discover-slurm-');
const shared = join(dir, 'shared');
const mixed = join(dir, 'mixed');
/** Grove as the nodes see it: this checkout under another path. */
const groveOnNodes = join(dir, 'grove-on-nodes');
let home = '';
const grove = (...a: string[]) =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

beforeAll(async () => {
  if (!env) return;
  assertBuilt();
  home = await initTinyForest(dir);
  writeMixedFolder(mixed);
  symlinkSync(repoRoot, groveOnNodes);
  grove('slurm', 'config', '--shared-dir', shared, '--time-limit', '10', '--cpus', '1');
}, 60_000);

describe.skipIf(!env)('grove add --discover --on slurm on a one-node cluster', () => {
  it('keeps where Grove is on the nodes, an absolute path', () => {
    const bad = spawnSync(process.execPath, [groveBin, '--home', home, 'slurm', 'config', '--grove-dir', 'opt/grove'], {
      encoding: 'utf8',
      env,
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/Slurm settings are not valid: groveDir: an absolute path on the compute nodes/);
    expect(grove('slurm', 'config')).toMatch(/Grove on the nodes: \(this Grove's own path\)/);
    expect(grove('slurm', 'config', '--grove-dir', groveOnNodes)).toContain(`Grove on the nodes: ${groveOnNodes}\n`);
  });

  it("sends the kept discovered domains' experts to Slurm as one job array and merges both", () => {
    const out = grove(
      'add',
      mixed,
      '--discover',
      '--names',
      'first,second,-',
      '--on',
      'slurm',
      '--init',
      'seed',
      '--steps',
      '6',
      '--threads',
      '1',
      '--checkpoint-every',
      '3',
    );
    expect(out).toMatch(/24 documents, 3 clusters/);
    expect(out).toMatch(/trained on Slurm and merged \(job \d+\): first, second/);
    // One submission of an array of two, each task its domain's bundle.
    const scripts = readdirSync(join(shared, 'slurm-jobs')).filter((f) => f.endsWith('.sbatch'));
    expect(scripts).toHaveLength(1);
    const script = readFileSync(join(shared, 'slurm-jobs', scripts[0]!), 'utf8');
    expect(script).toContain('#SBATCH --array=0-1');
    expect(script).toContain(`exec 'node' '${join(groveOnNodes, 'bin', 'grove.js')}' 'bundle' 'run' "$dir"`);
    const bundles = readdirSync(join(shared, 'bundles')).sort();
    expect(bundles.map((b) => b.replace(/-run\d+$/, ''))).toEqual(['first', 'second']);
    const tasks = bundles.map((b) => json<{ jobId: string }>(join(shared, 'bundles', b, 'slurm-job.json')).jobId).sort();
    expect(tasks[0]).toMatch(/^\d+_0$/);
    expect(tasks[1]).toBe(tasks[0]!.replace(/_0$/, '_1'));
    for (const b of bundles) {
      expect(json<BundleProgress>(join(shared, 'bundles', b, 'progress.json'))).toMatchObject({ state: 'done', step: 6, totalSteps: 6 });
      expect(json<{ modelId: number }>(join(shared, 'bundles', b, 'merged.json')).modelId).toBeGreaterThan(1);
    }
    // Both experts ready; the dropped cluster has no domain; the queue: two ingests, two bundles, one Slurm job.
    const list = grove('list');
    expect(list).toMatch(/\texpert\tfirst\tfirst$/m);
    expect(list).toMatch(/\texpert\tsecond\tsecond$/m);
    expect(list).not.toMatch(/not trained yet/);
    const jobs = grove('jobs');
    expect(jobs.match(/\tTrain on Slurm: /g)).toHaveLength(1);
    expect(jobs).toMatch(/\tdone\tTrain on Slurm: “first”, “second”\t/);
    expect(grove('show', 'second')).toMatch(/run \d+: done, step 6\/6 on second/);
  }, 180_000);
});
