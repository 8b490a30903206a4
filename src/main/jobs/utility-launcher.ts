// Starts job workers as Electron utility processes: separate OS processes, so a crash in training
// never takes the window down. Same worker entry and protocol as the CLI's child processes. A worker that
// takes a run's writer lock (train/run-lock.ts) opens SQLite itself: it is told which better-sqlite3 build
// matches Electron's ABI (the main process's own), since the default one is built for plain Node in dev.
import { utilityProcess } from 'electron';
import type { FromWorker } from '../../app/jobs/protocol';
import type { WorkerHandle, WorkerLauncher } from '../../app/jobs/runner';
import { workerEnv, type WorkerKind } from '../../app/jobs/worker-env';

export function utilityWorkerLauncher(entry: string, kind: WorkerKind, o: { sqliteBinding?: string | undefined } = {}): WorkerLauncher {
  return (): WorkerHandle => {
    const env = workerEnv(kind, o.sqliteBinding ? { ...process.env, GROVE_SQLITE_BINDING: o.sqliteBinding } : process.env);
    const child = utilityProcess.fork(entry, [], { serviceName: 'Grove worker', stdio: 'inherit', env });
    let exited = false;
    return {
      send: (m) => child.postMessage(m),
      onMessage: (f) => child.on('message', (m) => f(m as FromWorker)),
      onExit: (f) =>
        child.once('exit', (code) => {
          exited = true;
          // utilityProcess reports a crash as a non-zero code; it has no signal name.
          f(code, null);
        }),
      kill: () => {
        if (!exited) child.kill();
      },
    };
  };
}
