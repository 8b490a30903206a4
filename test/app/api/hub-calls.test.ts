// The app's first run through GroveService: the curated list, a model downloaded from a (local) Hub and
// planted as the seed, a local folder imported as the seed; each a job in a real worker process
// (out/node/job-worker.js), with bytes and phase in its JobView, and clear refusals before anything is queued.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { jobRow } from '../../../src/app/catalog/jobs';
import { catalogPath } from '../../../src/app/home';
import { nodeWorkerLauncher } from '../../../src/app/jobs/node-launcher';
import { forestTokenizerDir } from '../../../src/app/store/init';
import type { JobView } from '../../../src/shared/api';
import { assertBuilt, repoRoot } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { startHubServer, type HubServer } from '../../engine/hub/hub-server';
import { writeTinyModel } from '../../engine/hub/tiny-model';

const dir = tempDir();
const COMMIT = 'e'.repeat(40);
let hub: HubServer;
const services: GroveService[] = [];

function service(home: string): GroveService {
  const s = new GroveService({
    forestHome: home,
    transport: 'http',
    workers: nodeWorkerLauncher(join(repoRoot, 'out/node/job-worker.js')),
  });
  services.push(s);
  return s;
}

/** Every JobView of one job until it ends (the call's own answer first). */
async function track(s: GroveService, start: () => Promise<JobView>): Promise<JobView[]> {
  const seen: JobView[] = [];
  let id = -1;
  const early: JobView[] = [];
  const ended = new Promise<void>((resolve) => {
    s.onEvent((e) => {
      if (e.type !== 'job.changed') return;
      if (id === -1) early.push(e.job);
      else if (e.job.id === id) seen.push(e.job);
      if (e.job.id === id && ['done', 'failed', 'cancelled'].includes(e.job.status)) resolve();
    });
  });
  const first = await start();
  id = first.id;
  seen.unshift(first, ...early.filter((j) => j.id === id));
  if (!seen.some((j) => ['done', 'failed', 'cancelled'].includes(j.status))) await ended;
  return seen;
}

beforeAll(async () => {
  assertBuilt();
  const files = await writeTinyModel(join(dir, 'src-tiny'));
  hub = await startHubServer([{ repoId: 'grove-test/Tiny-Instruct', commit: COMMIT, files }]);
  hub.faults.chunkBytes = 16 * 1024;
  hub.faults.chunkDelayMs = 20;
  // The worker processes inherit this environment: they download from the local Hub.
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.HF_TOKEN = '';
});
afterAll(async () => {
  for (const s of services) s.close();
  await hub?.close();
});

describe('GroveService hub calls', () => {
  it('lists the curated models with their sizes', async () => {
    const list = await service(join(dir, 'home-list')).curatedModels();
    expect(list.find((m) => m.repoId === 'HuggingFaceTB/SmolLM2-135M-Instruct')).toMatchObject({
      kind: 'instruct',
      family: 'llama',
      gated: false,
    });
    expect(list.every((m) => m.parameters > 0 && m.downloadBytes > 0)).toBe(true);
  });

  it('downloads a model and plants it as the seed, showing bytes and speed, then forgets the token', async () => {
    const home = join(dir, 'home-download');
    const s = service(home);
    const views = await track(s, () => s.downloadModel({ repo: 'grove-test/Tiny-Instruct', token: 'hf_secret', asSeed: true }));
    const last = views.at(-1)!;
    expect(last).toMatchObject({ kind: 'download', label: 'Download and plant “grove-test/Tiny-Instruct”', status: 'done' });
    const downloading = views.filter((v) => v.phase?.startsWith('Downloading'));
    expect(downloading.length).toBeGreaterThan(0);
    expect(downloading.at(-1)!.phase).toMatch(/model\.safetensors \(file \d of \d\) · [\d.]+ [kMG]?B of [\d.]+ [kMG]?B/);
    expect(downloading.at(-1)!.total).toBeGreaterThan(10_000);
    const summary = await s.forestSummary();
    expect(summary.models).toMatchObject([{ name: 'Tiny-Instruct', role: 'seed', status: 'ready' }]);
    expect(summary.models[0]!.parameters).toBeGreaterThan(0);
    expect(existsSync(join(forestTokenizerDir(home), 'tokenizer.json'))).toBe(true);
    const stored = Catalog.open(catalogPath(home), { readonly: true });
    const payload = jobRow(stored, last.id)!.payload_json;
    stored.close();
    expect(payload).not.toContain('hf_secret');
    // One seed per forest: a second plant is refused at once.
    await expect(s.downloadModel({ repo: 'grove-test/Tiny-Instruct', asSeed: true })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already holds forest/),
    });
  });

  it('fails a download of a repository the Hub does not have with the Hub’s reason', async () => {
    const s = service(join(dir, 'home-missing'));
    const views = await track(s, () => s.downloadModel({ repo: 'grove-test/none', asSeed: true }));
    expect(views.at(-1)).toMatchObject({ status: 'failed', error: expect.stringMatching(/grove-test\/none/) });
    expect((await s.forestSummary()).models).toEqual([]);
  });

  it('imports a local model folder as the seed', async () => {
    const home = join(dir, 'home-import');
    const s = service(home);
    const views = await track(s, () => s.importSeed({ folder: join(dir, 'src-tiny'), name: 'tiny' }));
    expect(views.at(-1)).toMatchObject({ kind: 'import-seed', status: 'done' });
    expect((await s.forestSummary()).models).toMatchObject([{ name: 'tiny', role: 'seed' }]);
    expect(readFileSync(join(forestTokenizerDir(home), 'tokenizer.json'), 'utf8')).toBe(
      readFileSync(join(dir, 'src-tiny', 'tokenizer.json'), 'utf8'),
    );
    await expect(s.importSeed({ folder: join(dir, 'src-tiny') })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses a missing folder and an unsupported architecture before queueing anything', async () => {
    await writeTinyModel(join(dir, 'src-bert'), { architectures: ['BertForMaskedLM'] });
    const s = service(join(dir, 'home-refused'));
    await expect(s.importSeed({ folder: join(dir, 'nowhere') })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('is not a folder on this machine'),
    });
    await expect(s.importSeed({ folder: join(dir, 'src-bert') })).rejects.toThrow(/BertForMaskedLM/);
    expect(await s.jobs()).toEqual([]);
  });
});
