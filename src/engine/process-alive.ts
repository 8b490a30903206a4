// Whether another process still runs: what a lock file, a job's owner or a half-written folder names by
// pid is trusted only while that process lives.

/** True when a process with this id exists (signal 0 checks without signalling; EPERM: it exists, not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
