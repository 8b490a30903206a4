// `grove add --on slurm` against a real one-node Slurm cluster (test/helpers/slurm.ts): two folders of a tiny
// forest sent as one job array, both trained by this checkout's `grove bundle run` on Slurm, followed by a job
// of the forest's queue and merged, so the experts are ready, keep their runs and lineage and generate; a task
// scancelled mid-training fails its Grove job, and `grove jobs resume` resubmits it, resuming from the bundle's
// checkpoint to the planned step count. It also measures a Slurm-run expert's wall time against a local run of
// the same budget (docs/slurm.md).
import type { BundleProgress } from '../../../src/app/bundle/progress-file';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, groveBin, repoRoot } from '../../helpers/grove-process';
import { slurmClusterFor } from '../../helpers/slurm';
import { initTinyForest, writeRecipeFolder } from '../../helpers/tiny-forest';
import { tempDir } from '../../helpers/tmp';

const env = slurmClusterFor('grove add --on slurm');
const dir = tempDir('grove-add-slurm-');
const shared = join(dir, 'shared');
let home = '';
const args = (...a: string[]) => [groveBin, '--home', home, ...a];
const grove = (...a: string[]) => execFileSync(process.execPath, args(...a), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** A folder of 40 documents on one theme (`line`, numbered, fifty times each). */
function writeFolder(name: string, line: (i: number) => string): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  for (let i = 0; i < 40; i++) writeFileSync(join(folder, `${name}-${i}.md`), `# ${name} ${i}\n\n${line(i)}\n`.repeat(50));
  return folder;
}

function bundleOf(name: string): string {
  const found = readdirSync(join(shared, 'bundles')).find((b) => b.startsWith(`${name}-run`));
  if (!found) throw new Error(`no bundle for ${name} in ${shared}/bundles`);
  return join(shared, 'bundles', found);
}

beforeAll(async () => {
  if (!env) return;
  assertBuilt();
  home = await initTinyForest(dir);
  writeRecipeFolder(dir);
  writeFolder('sea', (i) => `The tide came in over ${i} rocks and the gulls cried above the harbour wall.`);
  writeFolder('long', (i) => `Count the ${i} stars slowly, one by one, until the morning comes.`);
  writeFolder('same', (i) => `The train left platform ${i} at dawn, carrying letters north.`);
}, 60_000);

describe.skipIf(!env)('grove add --on slurm on a one-node cluster', () => {
  it('keeps the Slurm settings in the forest: grove slurm config sets and shows them', () => {
    expect(grove('slurm', 'config')).toMatch(/train on: this computer\nslurm: not configured/);
    const out = grove('slurm', 'config', '--shared-dir', shared, '--time-limit', '10', '--cpus', '1');
    expect(out).toMatch(new RegExp(`shared folder: ${shared}\n`));
    expect(out).toMatch(/time limit: 10\n/);
    const bad = spawnSync(process.execPath, args('slurm', 'config', '--time-limit', 'soon'), { encoding: 'utf8', env });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/timeLimit: a Slurm time limit/);
    expect(grove('slurm', 'config')).toMatch(/train on: this computer[\s\S]*time limit: 10/);
  });

  it("trains two folders as one Slurm job array with this checkout's grove, merges both experts, and they generate", () => {
    const t0 = performance.now();
    const out = grove(
      'add',
      join(dir, 'recipes'),
      join(dir, 'sea'),
      '--domain',
      'recipes,sea',
      '--on',
      'slurm',
      '--init',
      'seed',
      '--steps',
      '12',
      '--threads',
      '1',
      '--checkpoint-every',
      '4',
    );
    const seconds = (performance.now() - t0) / 1000;
    expect(out).toMatch(/trained on Slurm and merged \(job \d+\): recipes, sea/);
    // Both experts ready in the catalog, trained for the planned steps, as a local run records them.
    const list = grove('list');
    expect(list).toMatch(/\texpert\trecipes\trecipes$/m);
    expect(list).toMatch(/\texpert\tsea\tsea$/m);
    expect(list).not.toMatch(/not trained yet/);
    const show = grove('show', 'sea');
    expect(show).toMatch(/run \d+: done, step 12\/12 on sea/);
    expect(show).toMatch(/initialised from 1\.0000 × seed/);
    // One array of two tasks, each running `node <this checkout>/bin/grove.js bundle run <bundle>` on Slurm.
    const [recipes, sea] = [bundleOf('recipes'), bundleOf('sea')];
    const tasks = [recipes, sea].map((b) => json<{ jobId: string; submissions: number }>(join(b, 'slurm-job.json')));
    expect(tasks[0]!.jobId).toMatch(/^\d+_0$/);
    expect(tasks[1]!.jobId).toBe(tasks[0]!.jobId.replace(/_0$/, '_1'));
    const scripts = readdirSync(join(shared, 'slurm-jobs')).filter((f) => f.endsWith('.sbatch'));
    expect(scripts).toHaveLength(1);
    const script = readFileSync(join(shared, 'slurm-jobs', scripts[0]!), 'utf8');
    expect(script).toContain('#SBATCH --array=0-1');
    expect(script).toContain(`'${join(repoRoot, 'bin', 'grove.js')}' 'bundle' 'run'`);
    const logs = readdirSync(join(shared, 'slurm-jobs')).filter((f) => f.startsWith('slurm-') && f.endsWith('.out'));
    expect(logs).toHaveLength(2);
    for (const log of logs)
      expect(readFileSync(join(shared, 'slurm-jobs', log), 'utf8')).toMatch(/grove: job \d+ on [\s\S]*trained: 12 steps/);
    for (const b of [recipes, sea])
      expect(json<BundleProgress>(join(b, 'progress.json'))).toMatchObject({ state: 'done', step: 12, totalSteps: 12, starts: 1 });
    // Marked merged once the catalog has it, so a resumed job never merges it twice.
    for (const [b, name] of [
      [recipes, 'recipes'],
      [sea, 'sea'],
    ] as const)
      expect(json<{ modelId: number }>(join(b, 'merged.json')).modelId).toBe(name === 'recipes' ? 2 : 3);
    // The queue: two bundle jobs, then the Slurm job, done.
    expect(grove('jobs')).toMatch(/\tdone\tTrain on Slurm: “recipes”, “sea”\t/);
    // Merged weights that run: a generation with the two experts.
    const generated = grove('generate', 'The tide', '--model', 'recipes', 'sea', '--max-tokens', '8', '--temperature', '0');
    expect(generated.length).toBeGreaterThan(0);
    console.log(`grove add of two folders on Slurm (12 steps each, one array): ${seconds.toFixed(1)} s`);
  }, 120_000);

  it("resubmits a task scancelled mid-training when its job is resumed: it resumes from the bundle's checkpoint", async () => {
    const child = spawn(
      process.execPath,
      args(
        'add',
        join(dir, 'long'),
        '--domain',
        'long',
        '--on',
        'slurm',
        '--init',
        'seed',
        '--steps',
        '300',
        '--threads',
        '1',
        '--checkpoint-every',
        '10',
      ),
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until training passed a checkpoint, then cancel the Slurm job behind Grove's back.
    const deadline = Date.now() + 60_000;
    let bundle = '';
    let task = '';
    for (;;) {
      if (Date.now() > deadline) throw new Error(`training never passed step 20; stderr: ${stderr}`);
      try {
        bundle = bundleOf('long');
        task = json<{ jobId: string }>(join(bundle, 'slurm-job.json')).jobId;
        if (json<BundleProgress>(join(bundle, 'progress.json')).step >= 25) break;
      } catch {
        // not written yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    execFileSync('scancel', [task], { env });
    expect(await exited).not.toBe(0);
    expect(stderr).toMatch(new RegExp(`Slurm job ${task} of expert "long" ended CANCELLED at step \\d+/300, unfinished`));
    const stopped = json<BundleProgress>(join(bundle, 'progress.json'));
    expect(stopped.step).toBeLessThan(300);
    expect(grove('list')).toMatch(/\tlong\t\(not trained yet\)|long[^\n]*not trained yet/);

    const id = /^(\d+)\tfailed\tTrain on Slurm: “long”/m.exec(grove('jobs'))?.[1];
    expect(id).toBeDefined();
    const resumed = grove('jobs', 'resume', id!);
    expect(resumed).toBeDefined();
    const again = json<{ jobId: string; submissions: number }>(join(bundle, 'slurm-job.json'));
    expect(again.submissions).toBe(2);
    expect(again.jobId).not.toBe(task);
    const done = json<BundleProgress>(join(bundle, 'progress.json'));
    expect(done).toMatchObject({ state: 'done', step: 300, totalSteps: 300, starts: 2 });
    expect(done.resumedFromStep).toBeGreaterThan(0);
    expect(done.resumedFromStep).toBeLessThanOrEqual(stopped.step);
    expect(grove('jobs')).toMatch(new RegExp(`^${id}\\tdone\\tTrain on Slurm: “long”`, 'm'));
    expect(grove('list')).toMatch(/\texpert\tlong\tlong$/m);
    expect(grove('list')).not.toMatch(/not trained yet/);
  }, 150_000);

  it('sends one more expert on a domain ingested before to Slurm: `grove add --domain NAME --name X --on slurm`, no folder', () => {
    const out = grove('add', '--domain', 'sea', '--name', 'sea-2', '--on', 'slurm', '--init', 'seed', '--steps', '6', '--threads', '1');
    expect(out).toMatch(/trained on Slurm and merged \(job \d+\): sea\n/);
    expect(grove('list')).toMatch(/\texpert\tsea-2\tsea$/m);
    expect(grove('show', 'sea-2')).toMatch(/run \d+: done, step 6\/6 on sea/);
    expect(json<{ jobId: string }>(join(bundleOf('sea-2'), 'slurm-job.json')).jobId).toMatch(/^\d+/);
    // The domain was not ingested again: one ingest job for it in the queue.
    expect(grove('jobs').match(/Ingest “sea”/g)).toHaveLength(1);
  }, 120_000);

  it('measures a Slurm-run expert against a local run of the same budget (wall time from grove add to the expert in the catalog)', () => {
    const budget = ['--init', 'seed', '--steps', '12', '--threads', '1', '--checkpoint-every', '4'];
    const t0 = performance.now();
    grove('add', join(dir, 'same'), '--domain', 'same-local', '--on', 'local', ...budget);
    const local = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    grove('add', join(dir, 'same'), '--domain', 'same-slurm', '--on', 'slurm', ...budget);
    const slurm = (performance.now() - t1) / 1000;
    const list = grove('list');
    expect(list).toMatch(/\texpert\tsame-local\tsame-local$/m);
    expect(list).toMatch(/\texpert\tsame-slurm\tsame-slurm$/m);
    expect(existsSync(join(bundleOf('same-slurm'), 'done.json'))).toBe(true);
    console.log(
      `Slurm overhead, one expert of 12 steps on the tiny forest: local ${local.toFixed(1)} s, Slurm ${slurm.toFixed(1)} s (+${(slurm - local).toFixed(1)} s)`,
    );
  }, 120_000);
});
