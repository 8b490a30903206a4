// The desktop app's endpoint server, driven by the Settings switch (the service's setOpenaiEndpoint): started on
// when switched on, answering /v1 only and only under this machine's names, closed when switched off, started
// again by the next process that finds the setting on, and a port in use said as the switch's problem.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_SETTING_FILE } from '../../../src/app/api/openai-switch';
import { GroveService } from '../../../src/app/api/service';
import { OpenAiEndpoint } from '../../../src/server/openai/endpoint';
import { standaloneHost } from '../../../src/server/openai/standalone';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const KEY = 'standalone-key-0123456789abcdef';
const dir = tempDir();
let forest: TinyForest;
const services: GroveService[] = [];

function serviceWithEndpoint(port = 0): { service: GroveService; attach: () => ReturnType<GroveService['attachOpenAiEndpoint']> } {
  const service = new GroveService({ forestHome: forest.home, transport: 'electron' });
  services.push(service);
  const endpoint = new OpenAiEndpoint({ completions: service.completions, key: KEY });
  return { service, attach: () => service.attachOpenAiEndpoint(standaloneHost(endpoint, { port })) };
}

beforeAll(async () => {
  forest = await writeTinyForest(dir, ['law']);
});
afterAll(async () => {
  for (const s of services) {
    await s.setOpenaiEndpoint({ enabled: false }).catch(() => undefined);
    s.close();
  }
});

const models = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/models`, { headers: { Authorization: `Bearer ${KEY}`, ...headers } });

describe('the desktop endpoint server', () => {
  it('starts when switched on, answers /v1 under this machine’s names, and closes when switched off', async () => {
    const { service, attach } = serviceWithEndpoint();
    expect(await attach()).toEqual({ enabled: false, url: null, key: null, problem: null });
    const on = await service.setOpenaiEndpoint({ enabled: true });
    expect(on).toMatchObject({ enabled: true, key: KEY, problem: null });
    expect(on.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(JSON.parse(readFileSync(join(forest.home, OPENAI_SETTING_FILE), 'utf8'))).toEqual({ enabled: true });
    const res = await models(on.url!);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['forest', forest.seed, 'law']);

    const { request } = await import('node:http');
    const foreign = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${on.url}/models`, { headers: { Host: 'evil.example:80', Authorization: `Bearer ${KEY}` } }, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error).toMatchObject({ code: 'forbidden_host', type: 'invalid_request_error' });
    const elsewhere = await fetch(on.url!.replace(/\/v1$/, '/api/call/info'), { method: 'POST' });
    expect(elsewhere.status).toBe(404);
    expect(((await elsewhere.json()) as { error: { code: string } }).error.code).toBe('unknown_url');

    expect(await service.setOpenaiEndpoint({ enabled: false })).toEqual({ enabled: false, url: null, key: null, problem: null });
    await expect(models(on.url!)).rejects.toThrow();
  });

  it('starts again in the next process when the setting is on', async () => {
    const first = serviceWithEndpoint();
    await first.attach();
    await first.service.setOpenaiEndpoint({ enabled: true });
    await first.service.setOpenaiEndpoint({ enabled: true }); // a second on changes nothing
    const view = await first.service.openaiEndpoint({});
    expect((await models(view.url!)).status).toBe(200);
    // The process ends (its server closes; the setting stays on), and the next one serves at once.
    first.service.close();
    services.splice(services.indexOf(first.service), 1);
    const next = serviceWithEndpoint();
    const started = await next.attach();
    expect(started).toMatchObject({ enabled: true, key: KEY, problem: null });
    expect((await models(started.url!)).status).toBe(200);
  });

  it('says so when its port is in use', async () => {
    const squatter = createServer((_req, res) => res.end('someone else'));
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const { service, attach } = serviceWithEndpoint((squatter.address() as AddressInfo).port);
      await attach();
      const view = await service.setOpenaiEndpoint({ enabled: true });
      expect(view).toMatchObject({ enabled: true, url: null, key: null });
      expect(view.problem).toMatch(/Port \d+ on 127\.0\.0\.1 is in use by another program/);
    } finally {
      squatter.close();
    }
  });
});
