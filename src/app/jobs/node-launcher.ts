// Starts a worker as a Node child process (the CLI and `grove serve`; Electron uses utilityProcess).
import { fork } from 'node:child_process';
import type { FromWorker } from './protocol';
import type { WorkerHandle, WorkerLauncher } from './runner';
import { workerEnv } from './worker-env';

export function nodeWorkerLauncher(entry: string, execArgv: string[] = []): WorkerLauncher {
  return (): WorkerHandle => {
    const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env: workerEnv('jobs') });
    return {
      send: (m) => void child.send(m),
      onMessage: (f) => child.on('message', (m) => f(m as FromWorker)),
      onExit: (f) => child.once('exit', (code, signal) => f(code, signal)),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}
