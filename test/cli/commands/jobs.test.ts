// A SIGKILLed CLI (a closed terminal, an OOM kill) in the middle of a training: its worker exits too (no
// orphan writing on), the job is seen as interrupted by every job command, and `grove jobs resume` takes
// it to the end from its last checkpoint with no step logged twice. A second process never writes the run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../../src/engine/process-alive';
import { writeSeedAndPoems } from '../../helpers/forest-service';
import { assertBuilt, groveBin } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const grove = (...args: string[]) =>
  execFileSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** About 20 s of training here: long enough to be killed in the middle, at 50 steps between checkpoints by default. */
const STEPS = 500;

async function until(what: string, ok: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  assertBuilt();
  const { seed, poems } = await writeSeedAndPoems(dir);
  grove('init', '--from', seed);
  grove('ingest', poems, '--domain', 'poems');
});

describe('a SIGKILLed CLI', () => {
  it('takes its worker with it; the job is interrupted for every job command, and resumes to the end', async () => {
    const cli = spawn(
      process.execPath,
      [groveBin, '--home', home, 'train', '--model', 'tiny-seed', '--domain', 'poems', '--steps', String(STEPS), '--threads', '1'],
      { stdio: 'ignore' },
    );
    const runDir = join(home, 'runs', '1');
    // The first checkpoint by steps (a tenth of the run, at least 50); the time rule alone would be 5 minutes away.
    await until('the first checkpoint', () => existsSync(join(runDir, 'checkpoints', 'step-000000050')));
    const worker = (JSON.parse(readFileSync(join(runDir, 'writer.json'), 'utf8')) as { pid: number }).pid;
    expect(worker).not.toBe(cli.pid);

    // While the CLI lives, another process may not take its job (nor, through it, write its run).
    const other = spawnSync(process.execPath, [groveBin, '--home', home, 'jobs', 'resume', '1'], { encoding: 'utf8' });
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/running in another Grove process \(pid \d+\)/);

    cli.kill('SIGKILL');
    await new Promise((r) => cli.once('exit', r));
    await until('the orphaned worker to exit', () => !processAlive(worker), 30_000);
    // It stopped in the middle (checkpointing where it was), rather than training on to the end unwatched.
    const last = Math.max(
      ...readdirSync(join(runDir, 'checkpoints'))
        .filter((n) => /^step-\d+$/.test(n))
        .map((n) => Number(n.slice(5))),
    );
    expect(last).toBeGreaterThanOrEqual(50);
    expect(last).toBeLessThan(STEPS);

    // Seen as interrupted: queued again (no stale ETA), and resumable.
    expect(grove('jobs')).toMatch(/^1\tqueued\t/m);
    grove('jobs', 'resume', '1');
    expect(grove('jobs')).toMatch(/^1\tdone\t/m);

    const steps = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { step: number; split: string })
      .filter((m) => m.split === 'train')
      .map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    expect(readdirSync(join(runDir, 'checkpoints')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  }, 240_000);

  it('pause and cancel recover a dead owner’s job too', async () => {
    const cli = spawn(
      process.execPath,
      [
        groveBin,
        '--home',
        home,
        'train',
        '--model',
        'tiny-seed',
        '--domain',
        'poems',
        '--steps',
        String(STEPS),
        '--threads',
        '1',
        '--checkpoint-every',
        '20',
      ],
      { stdio: 'ignore' },
    );
    const runDir = join(home, 'runs', '2');
    await until('the first checkpoint', () => existsSync(join(runDir, 'checkpoints', 'step-000000020')));
    cli.kill('SIGKILL');
    await new Promise((r) => cli.once('exit', r));
    expect(grove('jobs', 'pause', '2')).toMatch(/^2\tpaused\t/);
    expect(grove('jobs', 'cancel', '2')).toMatch(/^2\tcancelled\t/);
  }, 120_000);
});
