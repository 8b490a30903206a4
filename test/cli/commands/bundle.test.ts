// `grove bundle`: an expert's training written as a bundle from a tiny forest, trained with no forest, merged
// back (the expert ready, its lineage, its run with metrics, and it generates and scores); a tampered or
// half-copied bundle refused before training, a tampered result refused before merging; a run killed after its
// first checkpoint resumes there and ends at the planned step count; a light expert's bundle; and the
// Kubernetes Job it writes checked against the Kubernetes schema (kubernetes-models' validate()).
import type { BundleProgress } from '../../../src/app/bundle/progress-file';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSeedAndPoems } from '../../helpers/forest-service';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const args = (...a: string[]) => [groveBin, '--home', home, ...a];
const grove = (...a: string[]) => execFileSync(process.execPath, args(...a), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const groveTry = (...a: string[]) => spawnSync(process.execPath, args(...a), { encoding: 'utf8' });
const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

interface Metrics {
  steps: number;
  totalSteps: number;
  finalTrainLoss: number | null;
  finalValidLoss: number | null;
  elapsedSeconds: number;
  peakMemoryBytes: number;
  starts: number;
}

let poems = '';

beforeAll(async () => {
  assertBuilt();
  poems = (await writeSeedAndPoems(dir)).poems;
  grove('init', '--from', join(dir, 'tiny-seed'));
});

describe('grove bundle write, run, merge', () => {
  const b = join(dir, 'b-poems');

  it('writes the bundle where grove add would train: the expert planned and branched, its inputs hashed', () => {
    grove('bundle', 'write', '--domain', poems, '--out', b, '--init', 'seed', '--steps', '12', '--threads', '1', '--checkpoint-every', '4');
    const m = json<{
      format: string;
      version: number;
      expert: { name: string; parents: { weight: number }[] };
      training: { budget: { steps: number } };
      files: Record<string, { sha256: string }>;
    }>(join(b, 'bundle.json'));
    expect(m.format).toBe('grove-expert-bundle');
    expect(m.version).toBe(1);
    expect(m.expert.name).toBe('poems');
    expect(m.expert.parents).toEqual([{ modelId: 1, weight: 1 }]);
    expect(m.training.budget).toEqual({ steps: 12 });
    for (const prefix of ['start/model.safetensors', 'start/config.json', 'domain/manifest.json', 'tokenizer/tokenizer.json'])
      expect(Object.keys(m.files)).toContain(prefix);
    expect(Object.keys(m.files).some((f) => /^domain\/shards\/valid-/.test(f))).toBe(true);
    expect(grove('list')).toMatch(/2\texpert\tpoems\tpoems\t\(not trained yet\)/);
    // Not trained here: no run folder, no result.
    expect(existsSync(join(b, 'run'))).toBe(false);
  }, 60_000);

  it('trains it with no forest (another home), writing progress, the hashed result and its metrics, done last', () => {
    const out = execFileSync(process.execPath, [groveBin, '--home', join(dir, 'nowhere'), 'bundle', 'run', b], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/trained: 12 steps/);
    expect(existsSync(join(dir, 'nowhere', 'catalog.sqlite'))).toBe(false);
    const progress = json<BundleProgress>(join(b, 'progress.json'));
    expect(progress).toMatchObject({ state: 'done', step: 12, totalSteps: 12, resumedFromStep: 0, starts: 1 });
    const result = json<{ folder: string; files: Record<string, unknown>; metrics: Metrics }>(join(b, 'result.json'));
    expect(result.folder).toBe('run/model');
    expect(Object.keys(result.files)).toContain('run/model/model.safetensors');
    expect(result.metrics.steps).toBe(12);
    expect(result.metrics.finalTrainLoss).toBeGreaterThan(0);
    expect(result.metrics.finalValidLoss).toBeGreaterThan(0);
    expect(result.metrics.peakMemoryBytes).toBeGreaterThan(0);
    expect(Object.keys(json(join(b, 'done.json')))).toEqual(['manifestSha256', 'resultSha256']);
    // Run again: nothing to do.
    expect(execFileSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8' })).toMatch(/already trained: 12 steps/);
  }, 60_000);

  it('refuses to merge a result changed after training, then merges the true one as a local run is recorded', () => {
    const weights = join(b, 'run/model/model.safetensors');
    const original = readFileSync(weights);
    const changed = Buffer.from(original);
    changed[changed.length - 1] = changed[changed.length - 1]! ^ 0xff;
    writeFileSync(weights, changed);
    const refused = groveTry('bundle', 'merge', b);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/trained result does not match its hashes: run\/model\/model.safetensors has sha256/);
    writeFileSync(weights, original);

    grove('bundle', 'merge', b);
    expect(grove('list')).toMatch(/2\texpert\tpoems\tpoems\n/);
    const shown = grove('show', 'poems');
    expect(shown).toMatch(/expert, ready, domain poems/);
    expect(shown).toMatch(/initialised from 1\.0000 × tiny-seed/);
    const loss = json<{ metrics: Metrics }>(join(b, 'result.json')).metrics.finalTrainLoss!.toFixed(4);
    expect(shown).toMatch(new RegExp(`run 1: done, step 12/12 on poems, 24576 tokens, cpu, loss ${loss}`));
    expect(groveTry('bundle', 'merge', b).stderr).toMatch(/Expert "poems" is merged already/);
  }, 60_000);

  it('trains as a local grove add of the same budget does: the same losses', () => {
    grove('add', poems, '--domain', 'poems-local', '--init', 'seed', '--steps', '12', '--threads', '1', '--checkpoint-every', '4');
    const losses = (name: string) => /step 12\/12 on [\w-]+, 24576 tokens, cpu, (loss [\d.]+, valid [\d.]+)/.exec(grove('show', name))?.[1];
    expect(losses('poems')).toBeDefined();
    expect(losses('poems')).toBe(losses('poems-local'));
  }, 60_000);

  it('the merged expert generates and is scored', () => {
    const text = groveTry('generate', 'Poem 3: the willow', '--model', 'poems', '--temperature', '0', '--max-tokens', '8');
    expect(text.status).toBe(0);
    expect(text.stderr + text.stdout).toMatch(/\(8 tokens, stopped by length\)/);
    const scored = grove('eval', '--model', 'poems', '--domain', 'poems', '--context', '64');
    expect(scored).toMatch(/poems/);
    expect(scored).toMatch(/\d+\.\d+/);
  }, 60_000);
});

describe('a bundle that is not whole', () => {
  const b = join(dir, 'b-verses');

  beforeAll(() => {
    grove('bundle', 'write', '--domain', poems, '--as', 'verses', '--out', b, '--init', 'seed', '--steps', '4', '--threads', '1');
  }, 60_000);

  it('is refused before training when a file was changed', () => {
    const shard = readdirSync(join(b, 'domain/shards')).find((f) => f.startsWith('train-'))!;
    const path = join(b, 'domain/shards', shard);
    const original = readFileSync(path);
    const changed = Buffer.from(original);
    changed[0] = changed[0]! ^ 0x01;
    writeFileSync(path, changed);
    const r = spawnSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(`bundle does not match its hashes: domain/shards/${shard} has sha256 .* \\(changed after it was written\\)`),
    );
    expect(json<BundleProgress>(join(b, 'progress.json')).state).toBe('failed');
    expect(existsSync(join(b, 'run'))).toBe(false);
    writeFileSync(path, original);
  });

  it('is refused when a file is cut short or missing, and when the manifest is not one', () => {
    const weights = join(b, 'start/model.safetensors');
    const original = readFileSync(weights);
    writeFileSync(weights, original.subarray(0, original.length - 10));
    expect(spawnSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8' }).stderr).toMatch(
      /start\/model.safetensors is \d+ bytes, the manifest says \d+ \(half-written or changed\)/,
    );
    rmSync(weights);
    expect(spawnSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8' }).stderr).toMatch(
      /bundle is incomplete: start\/model.safetensors is missing/,
    );
    writeFileSync(weights, original);
    const manifest = readFileSync(join(b, 'bundle.json'), 'utf8');
    appendFileSync(join(b, 'bundle.json'), '{');
    expect(spawnSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8' }).stderr).toMatch(
      /is not a Grove expert bundle \(no readable bundle.json/,
    );
    writeFileSync(join(b, 'bundle.json'), manifest);
    expect(execFileSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8' })).toMatch(/trained: 4 steps/);
  }, 60_000);

  it('is refused by a merge before it has trained', () => {
    const other = join(dir, 'b-untrained');
    grove('bundle', 'write', '--domain', 'poems', '--name', 'poems-2', '--out', other, '--init', 'seed', '--steps', '4', '--threads', '1');
    const r = groveTry('bundle', 'merge', other);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/has not finished training \(no done.json\); run it with `grove bundle run/);
  }, 60_000);
});

describe('a bundle write killed after its bundle was written', () => {
  it('keeps that bundle when its job is resumed', () => {
    const b = join(dir, 'b-killed-write');
    const killed = spawnSync(
      process.execPath,
      args(
        'bundle',
        'write',
        '--domain',
        'poems',
        '--name',
        'poems-killed',
        '--out',
        b,
        '--init',
        'seed',
        '--steps',
        '4',
        '--threads',
        '1',
      ),
      { encoding: 'utf8', env: { ...process.env, GROVE_TEST_KILL_AFTER: 'result:expert' } },
    );
    expect(killed.signal).toBe('SIGKILL');
    const written = readFileSync(join(b, 'bundle.json'), 'utf8');
    const id = /^(\d+)\t\w+\tBundle expert “poems-killed”/m.exec(grove('jobs'))![1]!;
    grove('jobs', 'resume', id);
    expect(grove('jobs')).toMatch(new RegExp(`^${id}\tdone\tBundle expert “poems-killed”`, 'm'));
    expect(readFileSync(join(b, 'bundle.json'), 'utf8')).toBe(written);
  }, 60_000);
});

describe('a bundle run stopped and killed mid-training', () => {
  it('checkpoints and stops on SIGTERM, resumes from its last checkpoint after a SIGKILL, and finishes at the planned step count', async () => {
    const b = join(dir, 'b-resume');
    const steps = 400;
    grove(
      'bundle',
      'write',
      '--domain',
      'poems',
      '--name',
      'poems-resumed',
      '--out',
      b,
      '--init',
      'seed',
      '--steps',
      String(steps),
      '--threads',
      '1',
      '--checkpoint-every',
      '20',
    );
    const checkpoints = join(b, 'run/checkpoints');
    const newest = (): number =>
      existsSync(checkpoints)
        ? Math.max(
            0,
            ...readdirSync(checkpoints)
              .filter((n) => /^step-\d+$/.test(n))
              .map((n) => Number(n.slice(5))),
          )
        : 0;
    /** Starts `grove bundle run`, waits for a checkpoint past `after`, sends `signal`; resolves with the exit. */
    const startAndSignal = async (
      after: number,
      signal: NodeJS.Signals,
    ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
      const child = spawn(process.execPath, [groveBin, 'bundle', 'run', b], { stdio: 'ignore' });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, sig) => resolve({ code, signal: sig })),
      );
      const deadline = Date.now() + 60_000;
      while (newest() <= after) {
        if (Date.now() > deadline) throw new Error(`no checkpoint past step ${after} within a minute`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill(signal);
      return exited;
    };

    // SIGTERM (Slurm's, Kubernetes'): a checkpoint where it stopped, state "stopped", exit 75 (run again).
    expect(await startAndSignal(0, 'SIGTERM')).toEqual({ code: 75, signal: null });
    const stoppedAt = json<BundleProgress>(join(b, 'progress.json'));
    expect(stoppedAt.state).toBe('stopped');
    expect(stoppedAt.step).toBeLessThan(steps);
    expect(newest()).toBe(stoppedAt.step);

    // SIGKILL: nothing written at the end; the next start takes the newest checkpoint.
    expect((await startAndSignal(stoppedAt.step, 'SIGKILL')).signal).toBe('SIGKILL');
    expect(existsSync(join(b, 'done.json'))).toBe(false);
    const kept = newest();
    expect(kept).toBeGreaterThan(stoppedAt.step);
    expect(kept).toBeLessThan(steps);

    const again = spawnSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`resumed from step ${kept} `));
    expect(again.stdout).toMatch(new RegExp(`trained: ${steps} steps`));
    expect(json<BundleProgress>(join(b, 'progress.json'))).toMatchObject({
      state: 'done',
      step: steps,
      totalSteps: steps,
      resumedFromStep: kept,
      starts: 3,
    });
    const metrics = json<{ metrics: Metrics }>(join(b, 'result.json')).metrics;
    expect(metrics).toMatchObject({ steps, totalSteps: steps, starts: 3 });
    grove('bundle', 'merge', b);
    expect(grove('show', 'poems-resumed')).toMatch(new RegExp(`run \\d+: done, step ${steps}/${steps} on poems`));
  }, 150_000);
});

describe('a light expert bundle', () => {
  it('carries the frozen base and trains and merges the adapter', () => {
    const b = join(dir, 'b-light');
    grove(
      'bundle',
      'write',
      '--domain',
      'poems',
      '--name',
      'poems-light',
      '--light',
      '--rank',
      '2',
      '--init',
      'seed',
      '--out',
      b,
      '--steps',
      '4',
      '--threads',
      '1',
    );
    const m = json<{ light: { rank: number; folder: string } | null; files: Record<string, unknown> }>(join(b, 'bundle.json'));
    expect(m.light).toMatchObject({ rank: 2, folder: 'base' });
    expect(Object.keys(m.files)).toContain('base/model.safetensors');
    expect(Object.keys(m.files)).toContain('start/adapter_model.safetensors');
    execFileSync(process.execPath, [groveBin, 'bundle', 'run', b], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(json<{ folder: string }>(join(b, 'result.json')).folder).toBe('run/adapter');
    grove('bundle', 'merge', b);
    expect(grove('show', 'poems-light')).toMatch(/expert, ready, domain poems[^]*kind light: LoRA rank 2, alpha 4/);
    const text = groveTry('generate', 'Poem 1:', '--model', 'poems-light', '--temperature', '0', '--max-tokens', '4');
    expect(text.stderr + text.stdout).toMatch(/\(4 tokens, stopped by length\)/);
  }, 90_000);
});

describe('grove bundle k8s', () => {
  it('writes a Job the Kubernetes schema accepts, with the GPU, the volume, the resuming command, and a Dockerfile', () => {
    const b = join(dir, 'b-poems');
    grove('bundle', 'k8s', b, '--image', 'registry.example/grove:0.1', '--gpus', '1', '--claim', 'grove-bundles', '--memory', '16Gi');
    const job = json<Record<string, unknown>>(join(b, 'k8s/job.json'));
    expect(() => new Job(job).validate()).not.toThrow();
    const spec = (
      job as {
        spec: {
          backoffLimit: number;
          template: {
            spec: {
              restartPolicy: string;
              containers: { command: string[]; resources: { limits: Record<string, string> } }[];
              volumes: unknown[];
            };
          };
        };
      }
    ).spec;
    expect(spec.template.spec.restartPolicy).toBe('OnFailure');
    expect(spec.backoffLimit).toBe(6);
    expect(spec.template.spec.containers[0]!.command).toEqual(['grove', 'bundle', 'run', '/bundle', '--device', 'cuda']);
    expect(spec.template.spec.containers[0]!.resources.limits).toEqual({ memory: '16Gi', 'nvidia.com/gpu': '1' });
    expect(spec.template.spec.volumes).toEqual([{ name: 'bundle', persistentVolumeClaim: { claimName: 'grove-bundles' } }]);
    // The validator is live: the same Job with a restart policy Kubernetes does not have is refused.
    const broken = JSON.parse(JSON.stringify(job).replace('"restartPolicy":"OnFailure"', '"restartPolicy":"Sometimes"')) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(broken)).toMatch(/Sometimes/);
    expect(() => new Job(broken).validate()).toThrow(/restartPolicy/);
    expect(readFileSync(join(b, 'k8s/Dockerfile'), 'utf8')).toMatch(/CMD \["grove", "bundle", "run", "\/bundle"\]/);

    grove('bundle', 'k8s', b, '--image', 'grove:cpu', '--host-path', join(dir, 'b-poems'), '--out', join(dir, 'k8s-cpu'));
    const cpu = json<Record<string, unknown>>(join(dir, 'k8s-cpu/job.json'));
    expect(() => new Job(cpu).validate()).not.toThrow();
    expect(JSON.stringify(cpu)).not.toMatch(/nvidia/);
    const neither = groveTry('bundle', 'k8s', b, '--image', 'grove:cpu');
    expect(neither.stderr).toMatch(/--claim NAME .* or --host-path DIR/);
  });
});
