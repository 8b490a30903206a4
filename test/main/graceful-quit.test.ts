// Quitting the app mid-job: the running job is paused (it stops cleanly), remembered, and resumed when the
// app starts again, where it picks up what it had (a download its partial file, a training its checkpoint).
// Against a real engine with worker processes (out/node/job-worker.js) and a slow local Hub.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../src/app/api/service';
import { nodeWorkerLauncher } from '../../src/app/jobs/node-launcher';
import { checkpointRunningJobs, resumeAfterRestart, saveResumeList } from '../../src/main/graceful-quit';
import type { JobView } from '../../src/shared/api';
import { startHubServer, type HubServer } from '../engine/hub/hub-server';
import { writeTinyModel } from '../engine/hub/tiny-model';
import { assertBuilt, repoRoot } from '../helpers/grove-process';
import { tempDir } from '../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const stateDir = join(dir, 'state');
let hub: HubServer;

const start = () =>
  new GroveService({ forestHome: home, transport: 'electron', workers: nodeWorkerLauncher(join(repoRoot, 'out/node/job-worker.js')) });
const until = (s: GroveService, id: number, ok: (j: JobView) => boolean) =>
  new Promise<JobView>((resolve) => {
    const off = s.onEvent((e) => {
      if (e.type === 'job.changed' && e.job.id === id && ok(e.job)) {
        off();
        resolve(e.job);
      }
    });
  });

beforeAll(async () => {
  assertBuilt();
  const files = await writeTinyModel(join(dir, 'src-tiny'));
  hub = await startHubServer([{ repoId: 'grove-test/slow', commit: 'f'.repeat(40), files }]);
  // Slow enough that the quit comes mid-file.
  hub.faults.chunkBytes = 4096;
  hub.faults.chunkDelayMs = 40;
  process.env.HF_ENDPOINT = hub.endpoint;
  process.env.HF_TOKEN = '';
});
afterAll(async () => {
  await hub?.close();
});

describe('graceful quit', () => {
  it('pauses the running job before quitting and resumes it at the next start', async () => {
    const first = start();
    const queued = await first.downloadModel({ repo: 'grove-test/slow', asSeed: true });
    // Mid-weights: a progress report of the safetensors file beyond its start.
    const started = await until(first, queued.id, (j) => !!j.phase?.startsWith('Downloading model.safetensors'));
    await until(first, queued.id, (j) => j.done > started.done);
    const paused = await checkpointRunningJobs(first, { timeoutMs: 20_000 });
    expect(paused).toEqual([queued.id]);
    expect((await first.jobs({})).find((j) => j.id === queued.id)?.status).toBe('paused');
    saveResumeList(stateDir, paused);
    first.close();

    const second = start();
    try {
      const ended = until(second, queued.id, (j) => j.status === 'done' || j.status === 'failed');
      expect(await resumeAfterRestart(second, stateDir)).toEqual([queued.id]);
      expect((await ended).status).toBe('done');
      // The weights were not fetched again from the start: the resumed request asked for the rest.
      expect(hub.fileRequests().some((r) => r.path.includes('safetensors') && /^bytes=[1-9]\d*-/.test(r.range ?? ''))).toBe(true);
      expect((await second.forestSummary({})).models.map((m) => m.name)).toEqual(['slow']);
      expect(existsSync(join(stateDir, 'resume-on-start.json'))).toBe(false);
      // Nothing is resumed twice.
      expect(await resumeAfterRestart(second, stateDir)).toEqual([]);
    } finally {
      second.close();
    }
  });

  it('has nothing to do when nothing runs', async () => {
    const s = start();
    try {
      expect(await checkpointRunningJobs(s, { timeoutMs: 1000 })).toEqual([]);
    } finally {
      s.close();
    }
  });
});
