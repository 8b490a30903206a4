// One writer per training run: a run's folder (checkpoints, metrics.jsonl, plan.json, the trained model)
// is written by the one process that holds its lock, whatever the job rows say (a stale 'running' row, an
// orphaned worker, two Grove processes recovering the same job).
//
// Why a SQLite lock: the lock must be released by the OS when its holder dies, however it dies (SIGKILL,
// OOM), and must never be judged stale while the holder lives. A lock file with a pid (O_EXCL) is judged
// by guessing whether that pid still is the holder (pid reuse; start times only on Linux), and taking over
// a stale one races; Node has no flock. better-sqlite3 is already a dependency, and an open
// `BEGIN EXCLUSIVE` transaction is an OS byte-range lock on the lock database (fcntl on POSIX, LockFileEx
// on Windows) that lasts exactly as long as the process keeps it: a second process gets SQLITE_BUSY, and a
// dead holder's lock is gone with it. Nothing is written inside the transaction, so no journal is left.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GroveError } from '../../shared/api/errors';

export const RUN_LOCK_FILE = 'writer.lock';
/** Who holds the lock, for the refusal's message only (the lock itself is the SQLite one). */
const HOLDER_FILE = 'writer.json';

export interface RunLock {
  release(): void;
}

/**
 * The better-sqlite3 addon to load: the Electron app's utility process runs Electron's ABI, and its
 * launcher names the matching build here (GROVE_SQLITE_BINDING); plain Node uses the default one.
 */
function openLockDb(file: string): Database.Database {
  const nativeBinding = process.env.GROVE_SQLITE_BINDING;
  return new Database(file, nativeBinding ? { nativeBinding } : {});
}

function tryLock(db: Database.Database): boolean {
  try {
    // No journal file: nothing is ever written, and a killed holder would otherwise leave an empty one
    // behind. Setting it reads the file, so it waits for the lock like the transaction does.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw err;
  }
}

function holderOf(runDir: string): string {
  try {
    const h = JSON.parse(readFileSync(join(runDir, HOLDER_FILE), 'utf8')) as { pid?: number };
    return typeof h.pid === 'number' ? ` (pid ${h.pid})` : '';
  } catch {
    return '';
  }
}

/**
 * Takes the run's writer lock, waiting up to `waitMs` for another holder to let go; refuses with a
 * GroveError when it does not. The default 30 s outlasts an orphaned worker's grace period (20 s,
 * worker-main.ts): a job recovered just after its owner was killed waits for the orphan's last checkpoint
 * rather than failing.
 */
export async function acquireRunLock(runDir: string, o: { waitMs?: number; pollMs?: number } = {}): Promise<RunLock> {
  mkdirSync(runDir, { recursive: true });
  const db = openLockDb(join(runDir, RUN_LOCK_FILE));
  db.pragma('busy_timeout = 0');
  const deadline = Date.now() + (o.waitMs ?? 30_000);
  while (!tryLock(db)) {
    if (Date.now() >= deadline) {
      db.close();
      throw new GroveError(
        'conflict',
        `The training run in ${runDir} is being written by another Grove process${holderOf(runDir)}; a run has one writer. Wait for that process to finish, or end it, then resume the job.`,
        { runDir },
      );
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
  }
  writeFileSync(join(runDir, HOLDER_FILE), JSON.stringify({ pid: process.pid, since: new Date().toISOString() }));
  let held = true;
  return {
    release: () => {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/** Runs `f` only if no process holds the run's lock (for cleanups of its temporary files); false if one does. */
export async function whileUnlocked(runDir: string, f: () => Promise<void>): Promise<boolean> {
  let lock: RunLock;
  try {
    lock = await acquireRunLock(runDir, { waitMs: 0 });
  } catch (err) {
    if (err instanceof GroveError && err.code === 'conflict') return false;
    throw err;
  }
  try {
    await f();
    return true;
  } finally {
    lock.release();
  }
}
