// Runs the built `grove` CLI as a child process, as a user would, and waits for it to say where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '../..');
export const groveBin = join(repoRoot, 'bin/grove.js');

export function assertBuilt(): void {
  if (!existsSync(join(repoRoot, 'out/node/cli.js')) || !existsSync(join(repoRoot, 'out/renderer/index.html'))) {
    throw new Error('Grove is not built: run `npm run build` before the end-to-end tests (`npm run test:all` does).');
  }
}

export interface ServeProcess {
  child: ChildProcess;
  openUrl: string;
  /** Everything it has printed so far (stdout and stderr). */
  printed(): string;
  stop(): Promise<void>;
}

/**
 * Starts `grove serve` on a free port (or the `--port` among `args`, which go to the command as they are); with
 * `logFile`, everything it prints is kept there (what a failed e2e test needs to be understood).
 */
export async function startServe(home: string, timeoutMs = 20_000, logFile?: string, args: readonly string[] = []): Promise<ServeProcess> {
  assertBuilt();
  const port = args.includes('--port') ? [] : ['--port', '0'];
  const child = spawn(process.execPath, [groveBin, '--home', home, 'serve', ...port, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (logFile) {
    const log = createWriteStream(logFile);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('exit', () => log.end());
  }
  let output = '';
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`grove serve printed no address within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Open (https?:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`grove serve exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    openUrl,
    printed: () => output,
    // SIGTERM (grove serve closes and exits); a process already gone, by exit or by signal, is stopped; one that
    // has not exited 10 s later is killed, so a test's clean-up never hangs on it.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
