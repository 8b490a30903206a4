// `grove serve`: the engine and the UI over HTTP + WebSocket, for a browser (local, or a remote GPU box).
// On an address other machines can reach, the remote rules apply (server/remote-policy.ts): a strong token,
// Host/Origin names, HTTPS or a plain warning, and folders confined to --allow-root (the forest home by default).
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { PathRoots } from '../../app/api/path-roots';
import { GroveService } from '../../app/api/service';
import { nodeInferLauncher } from '../../app/infer/node-launcher';
import { nodeWorkerLauncher } from '../../app/jobs/node-launcher';
import { GENERATED_TOKEN_BITS, startServer } from '../../server/http-server';
import { keptToken } from '../../server/kept-token';
import { DEFAULT_QUEUE_LIMIT } from '../../server/openai/admission';
import { OPENAI_KEY_FILE, OpenAiEndpoint } from '../../server/openai/endpoint';
import { assertTokenFit, isRemote, remoteWarning, tokenBits } from '../../server/remote-policy';
import { GroveError } from '../../shared/api/errors';
import { forestHomeOf } from '../options';

interface ServeFlags {
  host: string;
  port: number;
  token?: string;
  newToken?: boolean;
  remote?: boolean;
  allowedHost: string[];
  allowRoot: string[];
  tlsCert?: string;
  tlsKey?: string;
  /** --openai / --no-openai; undefined: the forest's setting. */
  openai?: boolean;
  openaiQueue: number;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new GroveError(
      'not_found',
      `${flag} ${resolve(file)} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give the path of a PEM file.`,
      { file },
    );
  }
}

function tlsOf(opts: ServeFlags): { cert: Buffer; key: Buffer } | undefined {
  if (!opts.tlsCert && !opts.tlsKey) return undefined;
  if (!opts.tlsCert || !opts.tlsKey) throw new GroveError('bad_input', 'HTTPS needs both --tls-cert FILE and --tls-key FILE.');
  return { cert: readPem(opts.tlsCert, '--tls-cert'), key: readPem(opts.tlsKey, '--tls-key') };
}

/** Folders the API may use: those given; else the forest home when remote; else any. */
function pathRootsOf(opts: ServeFlags, home: string, remote: boolean): PathRoots {
  if (opts.allowRoot.length > 0) return PathRoots.confinedTo(opts.allowRoot);
  if (!remote) return PathRoots.unrestricted();
  mkdirSync(home, { recursive: true });
  return PathRoots.confinedTo([home]);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the Grove UI and API to a browser (127.0.0.1 by default; an access token is required)')
    .option('--host <host>', 'address to listen on; any but loopback applies the remote rules', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', (v) => Number.parseInt(v, 10), 7420)
    .option('--token <token>', 'access token (default: the one kept in the forest home, made on first use; remote: at least 128 bits)')
    .option('--new-token', 'replace the access token kept in the forest home (pages opened with the old one must use the new address)')
    .option('--remote', 'apply the remote rules on a loopback address too (behind a reverse proxy or an SSH tunnel)')
    .option('--allowed-host <name>', 'a name requests may use for this server, besides its address and host name (repeatable)', collect, [])
    .option(
      '--allow-root <dir>',
      'a folder whose documents, model folders and exports the API may use (repeatable; remote default: the forest home)',
      collect,
      [],
    )
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--openai',
      "serve the OpenAI-compatible endpoint under /v1 (kept as the forest's setting, as the app's Settings switch keeps it)",
    )
    .option('--no-openai', "do not serve it (kept as the setting too); without either, the forest's setting decides")
    .option(
      '--openai-queue <n>',
      'OpenAI endpoint: requests running or waiting at once before a 429',
      (v) => Number.parseInt(v, 10),
      DEFAULT_QUEUE_LIMIT,
    )
    .action(async (opts: ServeFlags, cmd: Command) => {
      const home = forestHomeOf(cmd);
      const remote = isRemote(opts.host, opts.remote);
      assertTokenFit(opts.token, remote);
      const tls = tlsOf(opts);
      const pathRoots = pathRootsOf(opts, home, remote);
      const kept = opts.token ? null : await keptToken(home, { renew: opts.newToken === true });
      const token = opts.token ?? kept!.token;
      const workers = nodeWorkerLauncher(fileURLToPath(new URL('./job-worker.js', import.meta.url)));
      const inference = nodeInferLauncher(fileURLToPath(new URL('./infer-worker.js', import.meta.url)));
      const api = new GroveService({ forestHome: home, transport: 'http', workers, inference, pathRoots });
      const staticDir = fileURLToPath(new URL('../renderer', import.meta.url));
      if (!(Number.isInteger(opts.openaiQueue) && opts.openaiQueue >= 1))
        throw new GroveError('bad_input', `--openai-queue must be a whole number >= 1, not ${JSON.stringify(opts.openaiQueue)}.`);
      const openai = new OpenAiEndpoint({
        completions: api.completions,
        key: (await keptToken(home, { file: OPENAI_KEY_FILE })).token,
        queueLimit: opts.openaiQueue,
      });
      const server = await startServer({
        api,
        staticDir,
        host: opts.host,
        port: opts.port,
        remote,
        allowedHosts: opts.allowedHost,
        token,
        openai,
        ...(tls ? { tls } : {}),
      }).catch((err: unknown) => {
        api.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new GroveError(
            'conflict',
            `Port ${opts.port} on ${opts.host} is in use: another Grove (or another program) is serving there. If it is Grove, open the address it printed; otherwise stop that program, or choose another port with --port N.`,
            { port: opts.port, host: opts.host },
          );
        }
        throw err;
      });
      if (kept?.replaced) console.log(`Note: ${kept.replaced}.`);
      if (server.remote) {
        const facts = {
          host: opts.host,
          port: server.port,
          names: server.allowedNames,
          tokenBits: opts.token ? tokenBits(opts.token) : GENERATED_TOKEN_BITS,
          tlsCert: opts.tlsCert ? resolve(opts.tlsCert) : null,
          roots: pathRoots.roots,
        };
        for (const line of remoteWarning(facts)) console.log(line);
      }
      const endpoint = await api.attachOpenAiEndpoint(
        openai.hostAt(() => server.url),
        opts.openai,
      );
      console.log(`Grove is serving ${home}`);
      if (endpoint.url)
        console.log(
          `OpenAI-compatible endpoint: ${endpoint.url} (API key ${endpoint.key}, kept in ${join(home, OPENAI_KEY_FILE)}; models: GET ${endpoint.url}/models)`,
        );
      console.log(`Open ${server.openUrl}`);
      const stop = async (): Promise<void> => {
        // A connection that will not close (a client that never reads its response) must not keep Ctrl-C waiting.
        await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
        api.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
