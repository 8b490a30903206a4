// A node that dies mid-job, on a real one-node Slurm cluster (test/helpers/slurm.ts): while `grove add --on slurm`
// trains an expert past a checkpoint, the node is set DOWN (as slurmctld does when a node stops answering), which
// kills the task and, the job being --requeue, puts it back in the queue; the node returns to service and the task
// runs again. Grove's job follows it through (no failure, no resubmission of its own), the bundle resumes from its
// last checkpoint and finishes, the expert is merged ready, and the job's log and the task's output say what
// happened. The cluster's short cred_expire (scripts/slurm-cluster.mjs) lets the requeued task start ~11 s later
// instead of Slurm's default 121 s.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BundleProgress } from '../../../src/app/bundle/progress-file';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { slurmClusterFor } from '../../helpers/slurm';
import { initTinyForest } from '../../helpers/tiny-forest';
import { tempDir } from '../../helpers/tmp';

const env = slurmClusterFor('a Slurm node that dies mid-job');
const dir = tempDir('grove-slurm-requeue-');
const shared = join(dir, 'shared');
let home = '';
const args = (...a: string[]) => [groveBin, '--home', home, ...a];
const grove = (...a: string[]) => execFileSync(process.execPath, args(...a), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const scontrol = (...a: string[]) => spawnSync('scontrol', a, { encoding: 'utf8', env });
const nodeState = () => spawnSync('sinfo', ['-h', '-N', '-n', 'localhost', '-o', '%T'], { encoding: 'utf8', env }).stdout.trim();

beforeAll(async () => {
  if (!env) return;
  assertBuilt();
  home = await initTinyForest(dir);
  const folder = join(dir, 'tides');
  mkdirSync(folder);
  for (let i = 0; i < 40; i++)
    writeFileSync(
      join(folder, `tide-${i}.md`),
      `# Tide ${i}\n\nThe tide turned at ${i} past the hour and the boats swung round.\n`.repeat(50),
    );
  grove('slurm', 'config', '--shared-dir', shared, '--time-limit', '10', '--cpus', '1');
}, 60_000);

describe.skipIf(!env)('a Slurm node that dies mid-job', () => {
  it("requeues the task, which resumes from the bundle's checkpoint and finishes; the expert is merged ready", async () => {
    const child = spawn(
      process.execPath,
      args(
        'add',
        join(dir, 'tides'),
        '--domain',
        'tides',
        '--on',
        'slurm',
        '--init',
        'seed',
        '--steps',
        '100',
        '--threads',
        '1',
        '--checkpoint-every',
        '10',
      ),
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until training has passed a checkpoint (step 20), then take the node down under the running task.
    const bundles = join(shared, 'bundles');
    let bundle = '';
    let task = '';
    for (const deadline = Date.now() + 90_000; ;) {
      if (Date.now() > deadline) throw new Error(`training never passed step 25; output: ${output}`);
      try {
        bundle = join(
          bundles,
          readdirSync(bundles).find((b) => b.startsWith('tides-run'))!,
        );
        task = json<{ jobId: string }>(join(bundle, 'slurm-job.json')).jobId;
        if (json<BundleProgress>(join(bundle, 'progress.json')).step >= 25) break;
      } catch {
        // not written yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const down = scontrol('update', 'NodeName=localhost', 'State=DOWN', 'Reason=grove-test-dead-node');
    expect(down.status, down.stderr).toBe(0);
    const killedAt = performance.now();
    const reached = json<BundleProgress>(join(bundle, 'progress.json')).step;
    // The node comes back (slurmd answers again): resume it where slurmctld has not returned it to service itself.
    for (const deadline = Date.now() + 30_000; /^(down|drain)/.test(nodeState());) {
      if (Date.now() > deadline) throw new Error(`the node stayed ${nodeState()}`);
      scontrol('update', 'NodeName=localhost', 'State=RESUME');
      await new Promise((r) => setTimeout(r, 500));
    }
    // Running again under the same job id, restarted once by Slurm.
    let restartedAfter = 0;
    for (const deadline = Date.now() + 60_000; ;) {
      if (Date.now() > deadline) throw new Error(`the requeued task never ran again: ${scontrol('show', 'job', '-o', task).stdout}`);
      const job = scontrol('show', 'job', '-o', task).stdout;
      if (/JobState=(RUNNING|COMPLETING|COMPLETED)/.test(job) && /Restarts=1\b/.test(job)) {
        restartedAfter = (performance.now() - killedAt) / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/trained on Slurm and merged \(job \d+\): tides/);
    // Grove's job log: what Slurm did, and why.
    expect(output).toMatch(
      new RegExp(
        `tides: Slurm requeued job ${task} \\(restart 1; Slurm said: \\*\\*\\* JOB ${task} ON localhost CANCELLED AT \\S+ DUE TO NODE FAILURE`,
      ),
    );
    expect(output).toMatch(/it runs again and resumes from the bundle's last checkpoint \(it had reached step \d+\/100\)/);
    // Not resubmitted by Grove: Slurm ran the same job again, and the bundle resumed from a checkpoint.
    expect(json<{ jobId: string; submissions: number }>(join(bundle, 'slurm-job.json'))).toMatchObject({ jobId: task, submissions: 1 });
    const done = json<BundleProgress>(join(bundle, 'progress.json'));
    expect(done).toMatchObject({ state: 'done', step: 100, totalSteps: 100, starts: 2 });
    // Past the step-20 checkpoint, not from scratch: the last periodic checkpoint, or the one `grove bundle run`
    // writes on Slurm's SIGTERM (KillWait gives it 5 s before SIGKILL), at or past the step seen before the kill.
    expect(done.resumedFromStep).toBeGreaterThanOrEqual(20);
    expect(done.resumedFromStep).toBeLessThan(100);
    // The task's own output: both starts, the node failure between them, the resume.
    const log = readFileSync(join(shared, 'slurm-jobs', `slurm-${task}.out`), 'utf8');
    expect(log).toMatch(/grove: job \d+ on \S+, restart 0,[\s\S]*DUE TO NODE FAILURE[\s\S]*grove: job \d+ on \S+, restart 1,/);
    expect(log).toContain(`resumed from step ${done.resumedFromStep}`);
    expect(log).toMatch(/trained: 100 steps/);
    // The expert is in the forest, ready, its run done at the planned step count.
    expect(grove('list')).toMatch(/\texpert\ttides\ttides$/m);
    expect(grove('show', 'tides')).toMatch(/run \d+: done, step 100\/100 on tides/);
    expect(grove('jobs')).toMatch(/\tdone\tTrain on Slurm: “tides”\t/);
    console.log(/^.*Slurm requeued job.*$/m.exec(output)![0].trim());
    console.log(
      `node down at step ${reached}: the requeued task ran again ${restartedAfter.toFixed(1)} s later, resumed from step ${done.resumedFromStep}`,
    );
  }, 180_000);
});
