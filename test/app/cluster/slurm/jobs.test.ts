// The Slurm backend against a real one-node cluster (slurmctld + slurmd on localhost, started by
// test/helpers/slurm.ts through scripts/slurm-cluster.mjs): jobs and job arrays run to COMPLETED, a failing job
// reads FAILED with its exit code, scancel reads CANCELLED, the log tail shows the job's output, and a requeued
// running job runs again, appending to the same files (how a dead node's expert resumes from its checkpoint).
// It also measures the scheduler's overhead on a trivial job, for the report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { slurmBackend, type SlurmBackend, type SlurmJobState } from '../../../../src/app/cluster/slurm';
import { GroveError } from '../../../../src/shared/api/errors';
import { clusterStartSeconds, slurmClusterFor } from '../../../helpers/slurm';
import { tempDir } from '../../../helpers/tmp';

const env = slurmClusterFor('Slurm backend jobs');

async function until<T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ended = (s: SlurmJobState) => ['done', 'failed', 'cancelled'].includes(s.status);

describe.skipIf(!env)('Slurm backend on a one-node cluster', () => {
  const shared = tempDir('grove-slurm-shared-');
  const backend: SlurmBackend = slurmBackend({ sharedDir: shared, timeLimit: '5', memory: '256M' }, { env });
  const taskDir = (name: string) => {
    const dir = join(shared, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('runs a job that writes a file to COMPLETED (done), and measures sbatch-to-COMPLETED', async () => {
    const dir = taskDir('one');
    const t0 = performance.now();
    const { jobId, tasks } = await backend.submit({
      name: 'writes-file',
      command: ['/bin/sh', '-c', 'echo "written in $PWD" > result.txt'],
      dirs: [dir],
    });
    expect(tasks).toBe(1);
    const state = await until('COMPLETED', () => backend.state(jobId), ended);
    const overhead = (performance.now() - t0) / 1000;
    expect(state).toMatchObject({ jobId, slurmState: 'COMPLETED', status: 'done', exitCode: 0, signal: 0 });
    expect(readFileSync(join(dir, 'result.txt'), 'utf8')).toBe(`written in ${dir}\n`);
    console.log(
      `Slurm overhead: cluster start ${clusterStartSeconds.toFixed(1)} s (0 = already up); trivial job sbatch -> COMPLETED ${overhead.toFixed(2)} s`,
    );
  });

  it('runs a job array of 2, each task in its own directory', async () => {
    const dirs = [taskDir('array-0'), taskDir('array-1')];
    const { jobId, tasks } = await backend.submit({
      name: 'array',
      command: ['/bin/sh', '-c', 'echo "task $SLURM_ARRAY_TASK_ID" > result.txt'],
      dirs,
    });
    expect(tasks).toBe(2);
    const states = await until(
      'both tasks COMPLETED',
      () => backend.states(jobId),
      (s) => s.length === 2 && s.every(ended),
    );
    expect(states.map((s) => [s.arrayJobId, s.arrayTask, s.status])).toEqual([
      [jobId, '0', 'done'],
      [jobId, '1', 'done'],
    ]);
    expect(dirs.map((d) => readFileSync(join(d, 'result.txt'), 'utf8'))).toEqual(['task 0\n', 'task 1\n']);
    // One task by its array name.
    expect((await backend.state(`${jobId}_1`)).status).toBe('done');
  });

  it('cancels a running job: CANCELLED', async () => {
    const { jobId } = await backend.submit({ name: 'sleeps', command: ['/bin/sh', '-c', 'sleep 300'], dirs: [taskDir('sleep')] });
    await until(
      'RUNNING',
      () => backend.state(jobId),
      (s) => s.slurmState === 'RUNNING',
    );
    await backend.cancel(jobId);
    const state = await until('CANCELLED', () => backend.state(jobId), ended);
    expect(state).toMatchObject({ slurmState: 'CANCELLED', status: 'cancelled' });
  });

  it('reads a failing job as FAILED with its exit code', async () => {
    const { jobId } = await backend.submit({ name: 'fails', command: ['/bin/sh', '-c', 'exit 7'], dirs: [taskDir('fails')] });
    const state = await until('FAILED', () => backend.state(jobId), ended);
    expect(state).toMatchObject({ slurmState: 'FAILED', status: 'failed', exitCode: 7, reason: 'NonZeroExitCode' });
  });

  it("tails the job's output", async () => {
    const { jobId } = await backend.submit({
      name: 'talks',
      command: ['/bin/sh', '-c', 'for i in $(seq 1 50); do echo "line $i"; done; echo "to stderr" >&2'],
      dirs: [taskDir('talks')],
    });
    await until('COMPLETED', () => backend.state(jobId), ended);
    expect(backend.logTail(jobId, 3)).toEqual(['line 49', 'line 50', 'to stderr']);
    expect(backend.logTail(jobId, 100)[0]).toMatch(/^grove: job \d+ on .*restart 0/);
  });

  it('runs a requeued running job again, appending to its files and log', async () => {
    const dir = taskDir('requeue');
    // Each start appends a line; the first run waits to be requeued, the second ends at once.
    const body = 'echo "start ${SLURM_RESTART_COUNT:-0}" >> runs.txt; if [ "${SLURM_RESTART_COUNT:-0}" = 0 ]; then sleep 300; fi';
    const { jobId } = await backend.submit({ name: 'requeued', command: ['/bin/sh', '-c', body], dirs: [dir] });
    await until(
      'first run started',
      () => (existsSync(join(dir, 'runs.txt')) ? readFileSync(join(dir, 'runs.txt'), 'utf8') : ''),
      (t) => t === 'start 0\n',
    );
    const requeue = spawnSync('scontrol', ['requeue', jobId], { env, encoding: 'utf8' });
    expect(requeue.status, requeue.stderr).toBe(0);
    // Slurm holds a requeued job back for its credential lifetime (BeginTime = now + cred_expire + 1, 121 s by
    // default) so the old run's credentials cannot start it twice; the test lets it start now, as an admin can.
    await until(
      'requeued (restart 1, pending)',
      () => backend.state(jobId),
      (s) => s.restarts === 1 && s.slurmState === 'PENDING',
    );
    const now = spawnSync('scontrol', ['update', `JobId=${jobId}`, 'StartTime=now'], { env, encoding: 'utf8' });
    expect(now.status, now.stderr).toBe(0);
    const state = await until(
      'second run COMPLETED',
      () => backend.state(jobId),
      (s) => s.restarts === 1 && ended(s),
    );
    expect(state).toMatchObject({ status: 'done', restarts: 1 });
    expect(readFileSync(join(dir, 'runs.txt'), 'utf8')).toBe('start 0\nstart 1\n');
    const log = backend.logTail(jobId, 10).filter((l) => l.startsWith('grove: job'));
    expect(log.map((l) => /restart (\d+)/.exec(l)?.[1])).toEqual(['0', '1']);
  }, 120_000);

  it('says clearly when the controller cannot be reached', async () => {
    const conf = join(shared, 'elsewhere.conf');
    writeFileSync(
      conf,
      readFileSync(env?.SLURM_CONF ?? '', 'utf8')
        .replace('SlurmctldPort=6817', 'SlurmctldPort=6999')
        .replace(/^MessageTimeout=.*$/m, '') + 'MessageTimeout=2\n',
    );
    const elsewhere = slurmBackend({ sharedDir: shared }, { env: { ...env, SLURM_CONF: conf } });
    const error = await elsewhere.submit({ name: 'nowhere', command: ['true'], dirs: [taskDir('nowhere')] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GroveError);
    expect((error as GroveError).message).toMatch(/Slurm controller cannot be reached.*slurmctld/);
  });
});
