// The OpenAI-compatible endpoint on a server of its own, for the desktop app (which has no HTTP server: its
// window talks to the engine over IPC). Loopback only, on a fixed port so that the address tools are given
// stays the same between runs; requests must name this machine in Host (DNS-rebinding guard, as `grove
// serve`). Started and stopped by the Settings switch through standaloneHost.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenAiEndpointHost } from '../../app/api/openai-switch';
import { GroveError } from '../../shared/api/errors';
import { allowedHostNames, hostHeaderAllowed, originAllowed, thisMachine } from '../remote-policy';
import { isOpenAiPath, type OpenAiEndpoint } from './endpoint';
import { OpenAiError } from './openai-error';

/** The desktop app's port for the endpoint (`grove serve` answers /v1 on its own port, 7420 by default). */
export const DESKTOP_OPENAI_PORT = 7421;

export interface StandaloneServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startOpenAiServer(endpoint: OpenAiEndpoint, o: { port?: number } = {}): Promise<StandaloneServer> {
  const host = '127.0.0.1';
  const wanted = o.port ?? DESKTOP_OPENAI_PORT;
  const names = allowedHostNames(host, false, [], thisMachine());
  let port = 0;
  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://grove.invalid').pathname;
    const allowed = hostHeaderAllowed(req.headers.host, names, port, 'http') && originAllowed(req.headers.origin, names, port, 'http');
    const refused = allowed ? null : `Host ${JSON.stringify(req.headers.host)} is not this server: use the address Grove's Settings show.`;
    if (isOpenAiPath(pathname)) return void endpoint.handle(req, res, pathname, refused);
    const e = new OpenAiError(
      404,
      `Invalid URL (${req.method} ${pathname}): this port serves Grove's OpenAI-compatible endpoint under /v1.`,
      'invalid_request_error',
      null,
      'unknown_url',
    );
    res.writeHead(e.status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(e.body()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(
          new GroveError(
            'conflict',
            `Port ${wanted} on ${host} is in use by another program, so the OpenAI-compatible endpoint cannot listen there. Stop that program, or use \`grove serve --openai\` on a port of your choice.`,
            { port: wanted },
          ),
        );
      else reject(err);
    });
    server.listen(wanted, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The switch's side of a standalone server: started when switched on, closed when switched off. */
export function standaloneHost(endpoint: OpenAiEndpoint, o: { port?: number } = {}): OpenAiEndpointHost {
  let server: StandaloneServer | null = null;
  return {
    start: async () => {
      server ??= await startOpenAiServer(endpoint, o);
      const host = endpoint.hostAt(() => server!.url);
      return host.start();
    },
    stop: async () => {
      endpoint.on = false;
      const closing = server;
      server = null;
      await closing?.close();
    },
  };
}
