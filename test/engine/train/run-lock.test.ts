// One writer per run: the lock refuses a second holder, in this process or another, and the OS releases it
// when its holder is SIGKILLed (no stale lock to clean up by hand).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireRunLock, whileUnlocked } from '../../../src/engine/train/run-lock';
import { repoRoot } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Another process that takes the run's lock through the same module and keeps it until killed. */
async function holdInAnotherProcess(runDir: string): Promise<ChildProcess> {
  const script = join(dir, 'hold.ts');
  writeFileSync(script, `import { acquireRunLock } from ${JSON.stringify(join(repoRoot, 'src/engine/train/run-lock.ts'))};\nconst lock = await acquireRunLock(process.argv[2]!, { waitMs: 0 });\nconsole.log('held');\nsetInterval(() => lock, 1000);\n`);
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/jiti/lib/jiti-cli.mjs'), script, runDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

describe('the run lock', () => {
  it('refuses a second writer while another process holds the run, and is free once that process is SIGKILLed', async () => {
    const run = join(dir, 'run-a');
    const holder = await holdInAnotherProcess(run);
    await expect(acquireRunLock(run, { waitMs: 0 })).rejects.toThrow(new RegExp(`being written by another Grove process \\(pid ${holder.pid}\\)`));
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
