// Whether another process still runs: what a lock file, a job's owner or a half-written folder names by
// pid is trusted only while that process lives. A pid alone can be reused by an unrelated process after
// the owner died, so a job's owner is recorded with its start time too and both must match.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** True when a process with this id exists (signal 0 checks without signalling; EPERM: it exists, not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process started, as an opaque token that differs between two processes that had the same pid:
 * Linux's start time in clock ticks since boot (/proc/PID/stat, field 22). Null where the platform does not
 * say cheaply (macOS, Windows): there the pid alone decides.
 */
export function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

/** The identity of a process that owns something: its pid and, where known, its start time. */
export interface ProcessIdentity {
  pid: number;
  startTime: string | null;
}

let self: ProcessIdentity | null = null;

/**
 * This process's identity. Where the platform gives no start time, a random token stands in: it still tells
 * this process from an earlier one that had its pid (other processes are then judged by pid alone).
 */
export function thisProcess(): ProcessIdentity {
  self ??= { pid: process.pid, startTime: processStartTime(process.pid) ?? `token-${randomBytes(8).toString('hex')}` };
  return self;
}

/** True while the process that recorded this identity still runs (the same one, not a reuse of its pid). */
export function identityAlive(owner: ProcessIdentity): boolean {
  if (owner.pid === process.pid) return owner.startTime === thisProcess().startTime;
  if (!processAlive(owner.pid)) return false;
  if (owner.startTime === null) return true;
  const now = processStartTime(owner.pid);
  return now === null || now === owner.startTime;
}

/**
 * Calls `onGone` once when the process that started this one is gone, as a worker must notice however its
 * owner died: the IPC channel closes (Node child processes), or this process is re-parented (its parent pid
 * changes: every platform, Electron's utilityProcess included, checked every second).
 */
export function watchOwner(onGone: () => void, everyMs = 1000): void {
  const owner = process.ppid;
  let gone = false;
  const once = (): void => {
    if (gone) return;
    gone = true;
    onGone();
  };
  process.once('disconnect', once);
  setInterval(() => {
    if (process.ppid !== owner) once();
  }, everyMs).unref();
}
