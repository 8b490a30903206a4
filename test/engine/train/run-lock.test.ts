// One writer per run: the lock refuses a second holder, in this process or another, and the OS releases it
// when its holder is SIGKILLed (no stale lock to clean up by hand).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireRunLock, whileUnlocked } from '../../../src/engine/train/run-lock';
import { holdRunInAnotherProcess } from '../../helpers/run-lock-holder';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('the run lock', () => {
  it('refuses a second writer while another process holds the run, and is free once that process is SIGKILLed', async () => {
    const run = join(dir, 'run-a');
    const holder = await holdRunInAnotherProcess(run, dir);
    children.push(holder);
    await expect(acquireRunLock(run, { waitMs: 0 })).rejects.toThrow(
      new RegExp(`being written by another Grove process \\(pid ${holder.pid}\\)`),
    );
    let cleaned = false;
    expect(await whileUnlocked(run, async () => void (cleaned = true))).toBe(false);
    expect(cleaned).toBe(false);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    const lock = await acquireRunLock(run, { waitMs: 0 });
    lock.release();
    expect(await whileUnlocked(run, async () => void (cleaned = true))).toBe(true);
    expect(cleaned).toBe(true);
  });

  it('refuses a second holder in the same process, and a waiting one gets the run once it is released', async () => {
    const run = join(dir, 'run-b');
    const first = await acquireRunLock(run, { waitMs: 0 });
    await expect(acquireRunLock(run, { waitMs: 0 })).rejects.toThrow(/a run has one writer/);
    const waiting = acquireRunLock(run, { waitMs: 20_000, pollMs: 20 });
    setTimeout(() => first.release(), 200);
    (await waiting).release();
  });
});
