// A local Hugging Face Hub for the tests (node:http): the model-info API, /resolve/ with the Hub's headers and
// its redirect of LFS files to a separate storage origin (which supports Range), the Hub's error codes, and
// faults on demand: a connection dropped mid-file, a corrupted file, a slow stream.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  repoId: string;
  commit: string;
  /** Branch and tag names -> commit; `main` -> commit by default. */
  refs?: Record<string, string>;
  files: Record<string, Uint8Array>;
  /** Files stored with git LFS (served through the storage redirect); default: *.safetensors. */
  lfs?: (path: string) => boolean;
  gated?: false | 'auto' | 'manual';
  /** Tokens of accounts that accepted a gated repo's licence. */
  grantedTokens?: string[];
}

export interface LoggedRequest {
  origin: 'hub' | 'storage';
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

export interface Faults {
  /** File path -> bytes to send before dropping the connection, for the next `times` GETs of it. */
  drop: Map<string, { afterBytes: number; times: number }>;
  /** Files served with one byte flipped (the published hash stays the true one). */
  corrupt: Set<string>;
  /** Storage sends bodies in chunks of this many bytes with a pause between them (0: all at once). */
  chunkBytes: number;
  chunkDelayMs: number;
  /** Answer Range requests with the whole file (200), as some proxies do. */
  ignoreRange: boolean;
}

export interface HubServer {
  endpoint: string;
  storageOrigin: string;
  requests: LoggedRequest[];
  faults: Faults;
  /** Requests for file bytes (resolve GETs and storage GETs), not API calls or HEADs. */
  fileRequests(): LoggedRequest[];
  close(): Promise<void>;
}

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
export const gitBlobId = (data: Uint8Array) => createHash('sha1').update(`blob ${data.byteLength}\0`).update(data).digest('hex');

function lfsPointer(data: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(data)}\nsize ${data.byteLength}\n`);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code, 'x-error-message': message });
  res.end(JSON.stringify({ error: message }));
}

export async function startHubServer(repos: FakeRepo[]): Promise<HubServer> {
  const byId = new Map(repos.map((r) => [r.repoId, r]));
  const blobs = new Map<string, { data: Uint8Array; path: string }>();
  const requests: LoggedRequest[] = [];
  const faults: Faults = { drop: new Map(), corrupt: new Set(), chunkBytes: 0, chunkDelayMs: 0, ignoreRange: false };
  const isLfs = (repo: FakeRepo, path: string) => (repo.lfs ?? ((p: string) => p.endsWith('.safetensors')))(path);
  for (const repo of repos)
    for (const [path, data] of Object.entries(repo.files)) if (isLfs(repo, path)) blobs.set(sha256(data), { data, path });

  const log = (origin: LoggedRequest['origin'], req: IncomingMessage) =>
    requests.push({
      origin,
      method: req.method ?? 'GET',
      path: decodeURIComponent(req.url ?? ''),
      range: req.headers.range ?? null,
      authorization: req.headers.authorization ?? null,
    });

  /** Sends `data` honouring `Range: bytes=N-[M]`, with the fault injections for `path`. */
  const sendBytes = (req: IncomingMessage, res: ServerResponse, path: string, data: Uint8Array, headers: Record<string, string>) => {
    let body = data;
    if (faults.corrupt.has(path)) {
      body = Uint8Array.from(data);
      body[body.byteLength >> 1]! ^= 0xff;
    }
    const range = faults.ignoreRange ? null : /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let status = 200;
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Number(range[2]) : body.byteLength - 1;
      if (start >= body.byteLength) {
        res.writeHead(416, { 'content-range': `bytes */${body.byteLength}` });
        res.end();
        return;
      }
      headers['content-range'] = `bytes ${start}-${end}/${body.byteLength}`;
      body = body.subarray(start, end + 1);
      status = 206;
    }
    res.writeHead(status, {
      ...headers,
      'accept-ranges': 'bytes',
      'content-length': String(body.byteLength),
      'content-type': 'application/octet-stream',
    });
    if (req.method === 'HEAD') return void res.end();
    const drop = faults.drop.get(path);
    if (drop && drop.times > 0) {
      drop.times--;
      res.write(body.subarray(0, drop.afterBytes));
      // Give the client time to take in what was sent, then cut the connection as a network failure would.
      setTimeout(() => res.socket?.destroy(), 50);
      return;
    }
    if (faults.chunkBytes <= 0) return void res.end(body);
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      if (at >= body.byteLength) return void res.end();
      res.write(body.subarray(at, at + faults.chunkBytes));
      at += faults.chunkBytes;
      setTimeout(next, faults.chunkDelayMs);
    };
    next();
  };

  const storage = createServer((req, res) => {
    log('storage', req);
    const hash = /^\/repos\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})/.exec(req.url ?? '')?.[1];
    const blob = hash ? blobs.get(hash) : undefined;
    if (!blob || !hash) return sendError(res, 404, 'EntryNotFound', 'No such object');
    sendBytes(req, res, blob.path, blob.data, { etag: `"${hash}"` });
  });
  const storageOrigin = await listen(storage);

  const access = (repo: FakeRepo, req: IncomingMessage, res: ServerResponse): boolean => {
    if (!repo.gated) return true;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token !== undefined && (repo.grantedTokens ?? []).includes(token)) return true;
    if (token === undefined)
      sendError(
        res,
        401,
        'GatedRepo',
        `Access to model ${repo.repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      );
    else
      sendError(
        res,
        403,
        'GatedRepo',
        `Access to model ${repo.repoId} is restricted and you are not in the authorized list. Visit ${endpoint}/${repo.repoId} to ask for access.`,
      );
    return false;
  };
  const commitOf = (repo: FakeRepo, revision: string) =>
    revision === repo.commit ? repo.commit : (repo.refs ?? { main: repo.commit })[revision];

  const hub = createServer((req, res) => {
    log('hub', req);
    const url = new URL(req.url ?? '/', endpoint);
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api) {
      const repo = byId.get(decodeURIComponent(api[1]!));
      if (!repo) return sendError(res, 401, 'RepoNotFound', 'Repository not found');
      const revision = decodeURIComponent(api[2]!);
      const commit = commitOf(repo, revision);
      if (!commit) return sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
      const blobsWanted = url.searchParams.get('blobs') === 'true';
      const siblings = Object.entries(repo.files).map(([rfilename, data]) => {
        if (!blobsWanted) return { rfilename };
        if (!isLfs(repo, rfilename)) return { rfilename, blobId: gitBlobId(data), size: data.byteLength };
        const pointer = lfsPointer(data);
        return {
          rfilename,
          blobId: gitBlobId(pointer),
          size: data.byteLength,
          lfs: { sha256: sha256(data), size: data.byteLength, pointerSize: pointer.byteLength },
        };
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          _id: 'x',
          id: repo.repoId,
          modelId: repo.repoId,
          sha: commit,
          private: false,
          gated: repo.gated ?? false,
          disabled: false,
          siblings,
        }),
      );
    }
    const resolve = /^\/(.+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = resolve ? byId.get(decodeURIComponent(resolve[1]!)) : undefined;
    if (!resolve || !repo) return sendError(res, 401, 'RepoNotFound', 'Repository not found');
    if (!access(repo, req, res)) return;
    const commit = commitOf(repo, decodeURIComponent(resolve[2]!));
    if (!commit) return sendError(res, 404, 'RevisionNotFound', 'Invalid rev id');
    const path = resolve[3]!.split('/').map(decodeURIComponent).join('/');
    const data = repo.files[path];
    if (!data) return sendError(res, 404, 'EntryNotFound', `${path} does not exist on "${commit}"`);
    if (!isLfs(repo, path)) return sendBytes(req, res, path, data, { etag: `"${gitBlobId(data)}"`, 'x-repo-commit': commit });
    const hash = sha256(data);
    res.writeHead(302, {
      location: `${storageOrigin}/repos/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}?response-content-disposition=attachment&Expires=9999999999&Signature=test`,
      etag: `"${gitBlobId(lfsPointer(data))}"`,
      'x-linked-etag': `"${hash}"`,
      'x-linked-size': String(data.byteLength),
      'x-repo-commit': commit,
      'content-type': 'text/plain; charset=utf-8',
    });
    res.end(`Found. Redirecting to ${storageOrigin}/repos/...`);
  });
  const endpoint = await listen(hub);

  const close = (server: Server) =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    endpoint,
    storageOrigin,
    requests,
    faults,
    fileRequests: () => requests.filter((r) => r.method === 'GET' && (r.origin === 'storage' || r.path.includes('/resolve/'))),
    close: async () => {
      await Promise.all([close(hub), close(storage)]);
    },
  };
}
