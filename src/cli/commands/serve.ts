// `grove serve`: the engine and the UI over HTTP + WebSocket, for a browser (local, or a remote GPU box).
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { GroveService } from '../../engine/api/service';
import { nodeInferLauncher } from '../../engine/infer/node-launcher';
import { nodeWorkerLauncher } from '../../engine/jobs/node-launcher';
import { isLoopback, startServer } from '../../server/http-server';
import { forestHomeOf } from '../options';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the Grove UI and API to a browser (127.0.0.1 by default; an access token is required)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', (v) => Number.parseInt(v, 10), 7420)
    .option('--token <token>', 'access token (default: a new random one)')
    .action(async (opts: { host: string; port: number; token?: string }, cmd: Command) => {
      const workers = nodeWorkerLauncher(fileURLToPath(new URL('./job-worker.js', import.meta.url)));
      const inference = nodeInferLauncher(fileURLToPath(new URL('./infer-worker.js', import.meta.url)));
      const api = new GroveService({ forestHome: forestHomeOf(cmd), transport: 'http', workers, inference });
      const staticDir = fileURLToPath(new URL('../renderer', import.meta.url));
      const server = await startServer({ api, staticDir, host: opts.host, port: opts.port, ...(opts.token ? { token: opts.token } : {}) });
      if (!isLoopback(opts.host)) console.log(`Warning: listening on ${opts.host}: anyone who can reach this address and has the token can use this forest.`);
      console.log(`Grove is serving ${forestHomeOf(cmd)}`);
      console.log(`Open ${server.openUrl}`);
      const stop = async (): Promise<void> => {
        await server.close();
        api.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
