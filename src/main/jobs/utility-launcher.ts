// Starts job workers as Electron utility processes: separate OS processes, so a crash in training
// never takes the window down. Same worker entry and protocol as the CLI's child processes.
import { utilityProcess } from 'electron';
import type { FromWorker } from '../../engine/jobs/protocol';
import type { WorkerHandle, WorkerLauncher } from '../../engine/jobs/runner';

export function utilityWorkerLauncher(entry: string): WorkerLauncher {
  return (): WorkerHandle => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Grove worker', stdio: 'inherit' });
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
