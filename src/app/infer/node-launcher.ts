// Starts the inference worker as a Node child process (`grove serve`, tests; Electron uses the job
// workers' utilityProcess launcher). A message sent while the process is dying is dropped, not thrown:
// its exit is what reports the failure.
import { fork } from 'node:child_process';
import type { InferWorkerHandle } from './host';
import type { FromInfer } from './protocol';
import { workerEnv } from '../jobs/worker-env';

export function nodeInferLauncher(entry: string, execArgv: string[] = []): () => InferWorkerHandle {
  return (): InferWorkerHandle => {
    const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv, env: workerEnv('inference') });
    child.on('error', () => {}); // e.g. ERR_IPC_CHANNEL_CLOSED; 'exit' follows and fails the replies
    return {
      send: (m) => {
        if (child.connected) child.send(m, () => {});
      },
      onMessage: (f) => child.on('message', (m) => f(m as FromInfer)),
      onExit: (f) => child.once('exit', (code, signal) => f(code, signal)),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}
