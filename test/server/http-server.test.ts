// The HTTP + WebSocket transport against the real engine service, over loopback.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GroveService } from '../../src/app/api/service';
import { startServer, type RunningServer } from '../../src/server/http-server';
import type { GroveEvent } from '../../src/shared/api';
import { tempDir } from '../helpers/tmp';

/** The real service, with a way for the test to push an event as a long job would. */
class EventfulService extends GroveService {
  push(event: GroveEvent): void {
    this.emit(event);
  }
}

const dir = tempDir();
const staticDir = join(dir, 'renderer');
let service: EventfulService;
let server: RunningServer;

beforeAll(async () => {
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Grove</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the static folder');
  service = new EventfulService({ forestHome: join(dir, 'home'), transport: 'http' });
  server = await startServer({ api: service, staticDir, port: 0, token: 'test-token-123' });
});
afterAll(async () => {
  await server.close();
  service.close();
});

const call = (method: string, body: unknown, token: string | null = 'test-token-123', headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/call/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });

describe('grove serve transport', () => {
  it('answers API calls that carry the token', async () => {
    const res = await call('info', {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; result: { transport: string; forestHome: string } };
    expect(body.ok).toBe(true);
    expect(body.result.transport).toBe('http');
    expect(body.result.forestHome).toBe(join(dir, 'home'));
  });

  it('refuses calls without the right token', async () => {
    expect((await call('info', {}, null)).status).toBe(401);
    expect((await call('info', {}, 'test-token-12X')).status).toBe(401);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    // fetch() forbids overriding Host, so use node:http directly.
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.url}/api/call/info`,
        { method: 'POST', headers: { Host: 'evil.example:80', Authorization: 'Bearer test-token-123' } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('refuses a page of another site (foreign Origin) even with the token, and takes its own', async () => {
    expect((await call('info', {}, 'test-token-123', { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('info', {}, 'test-token-123', { Origin: server.url })).status).toBe(200);
  });

  it('returns errors as data with a status code', async () => {
    const res = await call('forestSummary', { nope: 1 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    const unknown = await call('nothing', {});
    expect(unknown.status).toBe(404);
  });

  it('serves the UI and never a file outside its folder', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const escape = await fetch(`${server.url}/..%2Fsecret.txt`);
    expect(await escape.text()).not.toContain('outside the static folder');
  });

  it('pushes engine events over the WebSocket to token holders only', async () => {
    const wsUrl = server.url.replace('http', 'ws');
    const refused = new WebSocket(`${wsUrl}/api/events?token=wrong`);
    await expect(
      new Promise((resolve, reject) => {
        refused.on('open', () => resolve('open'));
        refused.on('error', reject);
      }),
    ).rejects.toThrow(/401/);

    const ws = new WebSocket(`${wsUrl}/api/events?token=test-token-123`);
    await new Promise((resolve) => ws.on('open', resolve));
    const received = new Promise<unknown>((resolve) => ws.on('message', (m) => resolve(JSON.parse(String(m)))));
    service.push({ type: 'forest.changed' });
    expect(await received).toEqual({ type: 'forest.changed' });
    ws.close();
  });
});
