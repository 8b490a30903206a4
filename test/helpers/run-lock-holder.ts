// Another process that takes a training run's writer lock (train/run-lock.ts, the real module, run by jiti)
// and keeps it until it is killed: the second writer that one-writer-per-run tests need.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './grove-process';

export async function holdRunInAnotherProcess(runDir: string, scratch: string): Promise<ChildProcess> {
  const script = join(scratch, 'hold-run-lock.ts');
  writeFileSync(
    script,
    `import { acquireRunLock } from ${JSON.stringify(join(repoRoot, 'src/engine/train/run-lock.ts'))};\nconst lock = await acquireRunLock(process.argv[2]!, { waitMs: 0 });\nconsole.log('held');\nsetInterval(() => lock, 1000);\n`,
  );
  const child = spawn(process.execPath, [join(repoRoot, 'node_modules/jiti/lib/jiti-cli.mjs'), script, runDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return child;
}
