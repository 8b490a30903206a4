// `grove serve --remote` as a person runs it, on 127.0.0.1 (the remote rules forced on; nothing binds a public
// address): a weak token is refused before anything starts, the startup warning says each rule, HTTPS works
// with a certificate made here by openssl, and folders default to the forest home.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { checkServerIdentity } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { groveBin, startServe, type ServeProcess } from '../../helpers/grove-process';
import { opensslFor } from '../../helpers/openssl';
import { tempDir } from '../../helpers/tmp';

const hasOpenssl = opensslFor('grove serve --remote over HTTPS');
const dir = tempDir();
const home = join(dir, 'home');
const docs = join(dir, 'docs');
mkdirSync(docs, { recursive: true });
const running: ServeProcess[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

async function serve(args: string[]): Promise<ServeProcess> {
  const s = await startServe(home, 20_000, undefined, args);
  running.push(s);
  return s;
}

describe('grove serve --remote', () => {
  it('refuses a weak token with the reason, before it listens', () => {
    const r = spawnSync(process.execPath, [groveBin, '--home', home, 'serve', '--remote', '--port', '0', '--token', 'x'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/carries about 4 bits.*at least 128.*openssl rand -hex 16/);
    expect(r.stdout).not.toMatch(/Open /);
  });

  it('warns of plain HTTP and confines folders to the forest home by default', async () => {
    const s = await serve(['--remote']);
    const printed = s.printed();
    expect(printed).toMatch(/can be reached from other machines/);
    expect(printed).toMatch(/192-bit access token/);
    expect(printed).toMatch(/add a name with --allowed-host NAME/);
    expect(printed).toMatch(/plain HTTP.*--tls-cert FILE --tls-key FILE/);
    expect(printed).toContain(`must lie inside ${home}; add one with --allow-root DIR`);
    await s.stop();
  });

  it.skipIf(!hasOpenssl)('serves HTTPS with --tls-cert/--tls-key and names the roots it was given', async () => {
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
    const s = await serve([
      '--remote',
      '--allow-root',
      docs,
      '--allowed-host',
      'grove.example.org',
      '--tls-cert',
      join(dir, 'cert.pem'),
      '--tls-key',
      join(dir, 'key.pem'),
    ]);
    expect(s.printed()).toContain(`HTTPS with the certificate ${join(dir, 'cert.pem')}`);
    expect(s.printed()).toContain(`must lie inside ${docs}`);
    expect(s.printed()).toMatch(/grove\.example\.org/);
    const url = new URL(s.openUrl);
    expect(url.protocol).toBe('https:');
    const token = /token=([^&]+)/.exec(url.hash)![1]!;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${url.origin}/api/call/info`,
        {
          method: 'POST',
          ca: readFileSync(join(dir, 'cert.pem')),
          checkServerIdentity: (_h, peer) => checkServerIdentity('127.0.0.1', peer),
          headers: { Authorization: `Bearer ${token}` },
        },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(200);
  });
});
