// `grove serve`: GroveApi over HTTP or HTTPS (POST /api/call/<method>) and engine events over a WebSocket
// (/api/events), plus the same renderer build the desktop app loads. Every API request needs the
// access token; requests whose Host or Origin header is not this server's are refused (DNS-rebinding
// guard), on loopback and remote alike. A server other machines can reach also needs a strong token
// (remote-policy.ts); its folder roots are the service's (app/api/path-roots.ts).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { GroveApi } from '../shared/api';
import { dispatchCall } from '../shared/api/dispatch';
import { GroveError, toErrorData, type GroveErrorCode } from '../shared/api/errors';
import { isOpenAiPath, type OpenAiEndpoint } from './openai/endpoint';
import { readJson } from './read-json';
import { allowedHostNames, assertTokenFit, hostHeaderAllowed, isRemote, originAllowed, thisMachine } from './remote-policy';
import { resolveStatic, sendFile } from './static-files';

export interface ServeOptions {
  api: GroveApi;
  /** Folder of the built renderer (index.html and assets). */
  staticDir: string;
  host?: string;
  port?: number;
  token?: string;
  /** Apply the remote rules on a loopback address too (behind a reverse proxy or tunnel); a non-loopback host always does. */
  remote?: boolean;
  /** Names besides the defaults that requests may give in Host and Origin (remote only; see remote-policy.ts). */
  allowedHosts?: readonly string[];
  /** PEM certificate and private key: the server speaks HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** The OpenAI-compatible endpoint, answered under /v1 (when switched on) beside Grove's own API. */
  openai?: OpenAiEndpoint;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The address to open in a browser: the token travels in the fragment, never in a request line. */
  openUrl: string;
  token: string;
  /** Whether the remote rules apply (remote-policy.ts). */
  remote: boolean;
  /** The names requests may give in Host and Origin, without the port. */
  allowedNames: ReadonlySet<string>;
  close(): Promise<void>;
}

const STATUS: Record<GroveErrorCode, number> = {
  bad_input: 400,
  unknown_method: 404,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unsupported: 422,
  internal: 500,
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function tokenMatches(expected: Buffer, given: string | null | undefined): boolean {
  if (!given) return false;
  const g = Buffer.from(given);
  return g.length === expected.length && timingSafeEqual(g, expected);
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(data);
}

function sendError(res: ServerResponse, err: unknown): void {
  const data = toErrorData(err);
  sendJson(res, STATUS[data.code], { ok: false, error: data });
}

/** An HTTPS server from a PEM certificate and key; a file that is not one is said in a sentence, not in OpenSSL's words. */
function httpsServer(tls: NonNullable<ServeOptions['tls']>, handler: RequestListener): Server {
  try {
    return createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new GroveError(
      'bad_input',
      `The TLS certificate and key could not be used (${reason}): give a PEM certificate with --tls-cert and its private key with --tls-key.`,
    );
  }
}

/** Bits of a generated access token: well over the 128 a remote server needs. */
export const GENERATED_TOKEN_BITS = 192;

/** A new access token: GENERATED_TOKEN_BITS random bits, base64url. */
export function newAccessToken(): string {
  return randomBytes(GENERATED_TOKEN_BITS / 8).toString('base64url');
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const remote = isRemote(host, options.remote);
  assertTokenFit(options.token, remote);
  const token = options.token ?? newAccessToken();
  const expected = Buffer.from(token);
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const scheme = options.tls ? 'https' : 'http';
  const allowedNames = allowedHostNames(host, remote, options.allowedHosts ?? [], thisMachine());
  let port = 0; // known once listening; no request arrives before
  const hostAllowed = (req: IncomingMessage): boolean =>
    hostHeaderAllowed(req.headers.host, allowedNames, port, scheme) && originAllowed(req.headers.origin, allowedNames, port, scheme);

  const handler: RequestListener = (req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', 'http://grove.invalid');
        const refused = hostAllowed(req)
          ? null
          : `Host ${JSON.stringify(req.headers.host)}${req.headers.origin ? ` (from ${JSON.stringify(req.headers.origin)})` : ''} is not this server: use the address \`grove serve\` printed, or add the name with --allowed-host.`;
        // OpenAI's clients expect OpenAI's error shape, the Host refusal included.
        if (options.openai && isOpenAiPath(url.pathname)) return await options.openai.handle(req, res, url.pathname, refused);
        if (refused) throw new GroveError('forbidden', refused);
        if (url.pathname.startsWith('/api/')) {
          if (!tokenMatches(expected, bearer(req)))
            throw new GroveError('unauthorized', 'Missing or wrong access token: use the address `grove serve` printed.');
          const match = /^\/api\/call\/([A-Za-z]+)$/.exec(url.pathname);
          if (!match) throw new GroveError('not_found', `No API route ${url.pathname}.`);
          if (req.method !== 'POST') throw new GroveError('bad_input', 'API calls use POST.');
          const result = await dispatchCall(options.api, match[1], await readJson(req, maxBody));
          sendJson(res, 200, { ok: true, result });
          return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new GroveError('bad_input', `${req.method} is not served here.`);
        const file = resolveStatic(options.staticDir, url.pathname) ?? resolveStatic(options.staticDir, '/index.html');
        if (!file) throw new GroveError('not_found', `The UI is not built (no index.html in ${options.staticDir}): run \`npm run build\`.`);
        sendFile(res, file, file.endsWith('.html') ? { 'Content-Security-Policy': CSP } : {});
      } catch (err) {
        if (!res.headersSent) sendError(res, err);
        else res.destroy();
      }
    })();
  };
  const server = options.tls ? httpsServer(options.tls, handler) : createServer(handler);

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://grove.invalid');
    if (url.pathname !== '/api/events' || !hostAllowed(req) || !tokenMatches(expected, url.searchParams.get('token'))) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const off = options.api.onEvent((event) => ws.send(JSON.stringify(event)));
      ws.on('close', off);
      ws.on('error', off);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}://${shownHost}:${port}`;

  return {
    url,
    port,
    openUrl: `${url}/#token=${token}`,
    token,
    remote,
    allowedNames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
