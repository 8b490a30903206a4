// `grove serve` with the remote rules forced on (`remote: true`) over HTTPS on 127.0.0.1, against the real
// engine service confined to roots: the probes of an outside campaign, as a token holder and as a stranger.
// The certificate is made here with openssl (self-signed, for 127.0.0.1); nothing binds a public address.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathRoots } from '../../src/app/api/path-roots';
import { GroveService } from '../../src/app/api/service';
import { nodeWorkerLauncher } from '../../src/app/jobs/node-launcher';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { repoRoot } from '../helpers/grove-process';
import { opensslFor } from '../helpers/openssl';
import { tempDir } from '../helpers/tmp';

const hasOpenssl = opensslFor('grove serve over HTTPS');

const dir = realpathSync(tempDir());
const home = join(dir, 'home');
const docs = join(dir, 'docs');
const secrets = join(dir, 'etc'); // stands for /etc: readable, outside the roots
const TOKEN = '3f9a0c7e5b21d48e96a7f0b3c5d2e814';
let cert: Buffer;
let service: GroveService;
let server: RunningServer;

interface Answer {
  status: number;
  body: { ok: boolean; error?: { code: string; message: string } };
}

/** One HTTPS request that trusts only the test's certificate, checked for 127.0.0.1 whatever Host says; `headers` may replace Host and add Origin. */
function call(method: string, input: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}/api/call/${method}`,
      {
        method: 'POST',
        ca: cert,
        checkServerIdentity: (_host, peer) => checkServerIdentity('127.0.0.1', peer),
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(input));
  });
}

beforeAll(async () => {
  if (!hasOpenssl) return;
  mkdirSync(join(docs, 'law'), { recursive: true });
  writeFileSync(join(docs, 'law', 'a.txt'), 'The court held that the contract was void.');
  mkdirSync(secrets, { recursive: true });
  writeFileSync(join(secrets, 'shadow'), 'root:$6$secret:19000:0:99999:7:::');
  symlinkSync(secrets, join(docs, 'escape'));
  mkdirSync(join(docs, 'model'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'));
  mkdirSync(home, { recursive: true });
  // The real worker launcher: every probe here is refused (or stopped by a missing tokenizer) before a job would start one.
  const workers = nodeWorkerLauncher(join(repoRoot, 'out/node/job-worker.js'));
  service = new GroveService({ forestHome: home, transport: 'http', workers, pathRoots: PathRoots.confinedTo([home, docs]) });
  server = await startServer({
    api: service,
    staticDir: join(dir, 'no-ui'),
    port: 0,
    token: TOKEN,
    remote: true,
    tls: { cert, key: readFileSync(join(dir, 'key.pem')) },
  });
});
afterAll(async () => {
  await server?.close();
  service?.close();
});

describe.skipIf(!hasOpenssl)('grove serve, remote rules on 127.0.0.1 over HTTPS', () => {
  it('speaks HTTPS with the given certificate and answers a token holder', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const info = await call('info', {});
    expect(info.status).toBe(200);
    expect(info.body.ok).toBe(true);
  });

  it('refuses a short token before it listens', async () => {
    await expect(startServer({ api: service, staticDir: dir, port: 0, token: 'x', remote: true })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/at least 128/),
    });
  });

  it('says in a sentence when the certificate or key is not one', async () => {
    await expect(
      startServer({
        api: service,
        staticDir: dir,
        port: 0,
        remote: true,
        tls: { cert: 'not a certificate', key: readFileSync(join(dir, 'key.pem')) },
      }),
    ).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(/^The TLS certificate and key could not be used \(.*\): give a PEM certificate with --tls-cert/),
    });
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, token or not', async () => {
    const foreignHost = await call('info', {}, { Host: `evil.example:${server.port}` });
    expect(foreignHost.status).toBe(403);
    expect(foreignHost.body.error?.message).toMatch(/--allowed-host/);
    expect((await call('info', {}, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await call('info', {}, { Origin: `http://127.0.0.1:${server.port}` })).status).toBe(403); // wrong scheme
    expect((await call('info', {}, { Origin: `https://127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('refuses a folder outside the roots (an /etc-like one) with the path and the roots', async () => {
    const res = await call('addDomain', { folder: secrets, domain: 'shadow' });
    expect(res.status).toBe(403);
    expect(res.body.error?.message).toContain(`${secrets} is outside the folders this server may use: ${home}, ${docs}`);
    const seed = await call('createForest', { domains: [{ name: 'etc', folder: secrets }] });
    expect(seed.status).toBe(403);
    const seedImport = await call('importSeed', { folder: secrets });
    expect(seedImport.status).toBe(403);
  });

  it('refuses a symlink inside a root that leads out of it', async () => {
    const res = await call('addDomain', { folder: join(docs, 'escape'), domain: 'escape' });
    expect(res.status).toBe(403);
    expect(res.body.error?.message).toContain(`(it leads to ${secrets})`);
  });

  it('lets a folder inside a root through to the next check', async () => {
    const res = await call('addDomain', { folder: join(docs, 'law'), domain: 'law' });
    expect(res.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/no tokenizer yet/) });
  });

  it('refuses an export outside the roots or over the forest’s own files, even with force', async () => {
    const out = await call('exportModel', { model: join(docs, 'model'), format: 'gguf', out: join(secrets, 'shadow'), force: true });
    expect(out.status).toBe(403);
    expect(out.body.error?.message).toMatch(/export destination .* is outside the folders/);
    const own = await call('exportModel', { model: join(docs, 'model'), format: 'gguf', out: join(home, 'catalog.sqlite'), force: true });
    expect(own.status).toBe(403);
    expect(own.body.error?.message).toContain("forest's own files");
    const fromOutside = await call('exportModel', { model: secrets, format: 'hf', out: join(docs, 'copy'), force: true });
    expect(fromOutside.status).toBe(403);
    expect(readFileSync(join(secrets, 'shadow'), 'utf8')).toBe('root:$6$secret:19000:0:99999:7:::');
  });
});
