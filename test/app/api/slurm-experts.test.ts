// The app's path to Slurm through the service, against a real one-node cluster (test/helpers/slurm.ts): the
// forest's "Train on" setting kept beside its training settings; trainExpert then sends the expert to Slurm (a
// 'slurm-expert' job whose phase shows the Slurm state and step), which merges it ready with its run done, as
// addDomain with on: 'slurm' does after its ingest; cancelling the Grove job mid-training scancels the Slurm
// job, the expert never joining the forest (removed); a paused Grove job leaves its Slurm job running, and
// cancelling it then scancels it too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { slurmBackend } from '../../../src/app/cluster/slurm';
import type { JobView } from '../../../src/shared/api';
import { ingestDomains, jobService, jobSettled, LAW_AND_MED, plantTinyForest, writeDomainFolder } from '../../helpers/forest-service';
import { slurmClusterFor } from '../../helpers/slurm';
import { tempDir } from '../../helpers/tmp';

const env = slurmClusterFor('Slurm experts through the service');
const dir = tempDir('grove-slurm-service-');
const shared = join(dir, 'shared');
let service: GroveService;

beforeAll(async () => {
  if (!env) return;
  // The workers inherit this process's environment: the test cluster's configuration.
  process.env.SLURM_CONF = env.SLURM_CONF;
  service = jobService(await plantTinyForest(dir));
  await ingestDomains(service, dir, LAW_AND_MED);
}, 60_000);
afterAll(() => service?.close());

describe.skipIf(!env)('experts sent to Slurm by the forest setting', () => {
  it('keeps "Train on" beside the training settings and refuses a Slurm choice without the shared folder', async () => {
    expect(await service.clusterSettings({})).toEqual({ trainOn: 'local', slurm: null });
    await expect(service.setClusterSettings({ trainOn: 'slurm', slurm: null })).rejects.toThrow(
      /needs the Slurm settings: at least the shared folder/,
    );
    await expect(service.setClusterSettings({ trainOn: 'slurm', slurm: { sharedDir: 'relative/dir' } })).rejects.toThrow(
      /sharedDir: an absolute path both sides see/,
    );
    const view = await service.setClusterSettings({ trainOn: 'slurm', slurm: { sharedDir: shared, timeLimit: '10' } });
    expect(view).toEqual({
      trainOn: 'slurm',
      slurm: { sharedDir: shared, timeLimit: '10', gpusPerJob: 0, cpusPerTask: 1, extraOptions: [] },
    });
  });

  it('trains an expert asked for as the app asks on Slurm, showing the Slurm state, and merges it', async () => {
    const job = await service.trainExpert({ domain: 'law', init: 'seed', budget: { steps: 10 }, threads: 1 });
    expect(job.kind).toBe('slurm-expert');
    const phases: string[] = [];
    const off = service.onEvent((e) => e.type === 'job.changed' && e.job.id === job.id && e.job.phase && phases.push(e.job.phase));
    const done = await jobSettled(service, job.id);
    off();
    expect(done.status, done.error ?? '').toBe('done');
    expect(phases.some((p) => /^law: Slurm \d+ (PENDING|RUNNING|COMPLETING|COMPLETED)/.test(p))).toBe(true);
    const summary = await service.forestSummary({});
    expect(summary.models.find((m) => m.name === 'law')).toMatchObject({ status: 'ready' });
    const run = (await service.runs({})).find((r) => r.modelName === 'law');
    expect(run).toMatchObject({ status: 'done', step: 10 });
  }, 90_000);

  it('sends the expert of addDomain to Slurm when asked (on: slurm): ingest, bundle, Slurm job, merged', async () => {
    const ingest = await service.addDomain({
      folder: writeDomainFolder(dir, 'sea', (i) => `The tide ${i} came in over the rocks.`),
      domain: 'sea',
      expert: { init: 'seed', budget: { steps: 6 }, threads: 1 },
      on: 'slurm',
    });
    expect((await jobSettled(service, ingest.id)).status).toBe('done');
    const slurmJob = (await service.jobs({})).find((j) => j.kind === 'slurm-expert' && j.label === 'Train on Slurm: “sea”');
    expect(slurmJob).toBeDefined();
    const done = await jobSettled(service, slurmJob!.id);
    expect(done.status, done.error ?? '').toBe('done');
    expect((await service.forestSummary({})).models.find((m) => m.name === 'sea')).toMatchObject({ status: 'ready' });
  }, 90_000);

  it('scancels the Slurm job when the Grove job is cancelled mid-training', async () => {
    const job = await service.trainExpert({ domain: 'med', init: 'seed', budget: { steps: 5000 }, threads: 1, checkpoint: { steps: 50 } });
    const training = await new Promise<JobView>((resolve) => {
      const off = service.onEvent((e) => {
        if (e.type === 'job.changed' && e.job.id === job.id && e.job.done > 0) {
          off();
          resolve(e.job);
        }
      });
    });
    expect(training.phase).toMatch(/^med: Slurm \d+ RUNNING \d+\/5000 loss/);
    await service.cancelJob({ id: job.id });
    const cancelled = await jobSettled(service, job.id);
    expect(cancelled.status).toBe('cancelled');
    const bundles = join(shared, 'bundles');
    const bundle = join(
      bundles,
      readdirSync(bundles).find((b) => b.startsWith('med-run'))!,
    );
    const slurmJob = (JSON.parse(readFileSync(join(bundle, 'slurm-job.json'), 'utf8')) as { jobId: string }).jobId;
    const state = await slurmBackend({ sharedDir: shared }, { env }).state(slurmJob);
    expect(['CANCELLED', 'COMPLETING']).toContain(state.slurmState);
    expect((await service.forestSummary({})).models.find((m) => m.name === 'med')?.status).toBe('removed');
    expect((await service.runs({})).find((r) => r.modelName === 'med')?.status).toBe('cancelled');
  }, 90_000);

  it('leaves the Slurm job running while the Grove job is paused, and scancels it when the paused job is cancelled', async () => {
    const job = await service.trainExpert({
      domain: 'law',
      name: 'law-2',
      init: 'seed',
      budget: { steps: 5000 },
      threads: 1,
      checkpoint: { steps: 50 },
    });
    await new Promise<void>((resolve) => {
      const off = service.onEvent((e) => {
        if (e.type === 'job.changed' && e.job.id === job.id && e.job.done > 0) {
          off();
          resolve();
        }
      });
    });
    await service.pauseJob({ id: job.id });
    expect((await jobSettled(service, job.id)).status).toBe('paused');
    const bundles = join(shared, 'bundles');
    const bundle = join(
      bundles,
      readdirSync(bundles).find((b) => b.startsWith('law-2-run'))!,
    );
    const slurmJob = (JSON.parse(readFileSync(join(bundle, 'slurm-job.json'), 'utf8')) as { jobId: string }).jobId;
    const backend = slurmBackend({ sharedDir: shared }, { env });
    expect((await backend.state(slurmJob)).slurmState).toBe('RUNNING');

    await service.cancelJob({ id: job.id });
    const deadline = Date.now() + 20_000;
    while (!['CANCELLED', 'COMPLETING'].includes((await backend.state(slurmJob)).slurmState)) {
      if (Date.now() > deadline)
        throw new Error(`Slurm job ${slurmJob} still ${(await backend.state(slurmJob)).slurmState} after the Grove job was cancelled`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await service.forestSummary({})).models.find((m) => m.name === 'law-2')?.status).toBe('removed');
  }, 90_000);
});
