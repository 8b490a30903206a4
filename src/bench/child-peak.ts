// Runs a command as a child process and reports its wall time and peak resident memory (Linux: the
// child's VmHWM, polled; it only grows, so the last reading before exit is the peak to within a poll).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { workerEnv } from '../app/jobs/worker-env';

export interface ChildRun {
  code: number | null;
  seconds: number;
  /** Peak RSS in MB (10^6 bytes), or null where /proc is not available. */
  peakRssMegabytes: number | null;
  /** The last 4000 characters the child wrote to stdout. */
  stdout: string;
  stderr: string;
}

function vmHwmKiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function runMeasured(command: string, args: readonly string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: workerEnv('jobs') });
    let peak: number | null = null;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setInterval(() => {
      const kib = child.pid ? vmHwmKiB(child.pid) : null;
      if (kib !== null) peak = Math.max(peak ?? 0, kib);
    }, 50);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(timer);
      resolve({
        code,
        seconds: (performance.now() - started) / 1000,
        peakRssMegabytes: peak === null ? null : (peak * 1024) / 1e6,
        stdout,
        stderr,
      });
    });
  });
}
