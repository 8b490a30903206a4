// Discovered domains sent to Slurm through the service (the app's path), against a real one-node cluster
// (test/helpers/slurm.ts), when one of their ingests is cancelled: the other domain's expert does not wait for it
// forever but goes to Slurm alone and is merged ready, planned by the last ingest to finish when the cancel came
// first, or by the cancellation itself when the other had finished (and waited for it); the cancelled domain gets
// no expert. The forest's "Train on" setting (Slurm) is what sends them: growDiscovered is
// asked without `on`.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { jobService, jobSettled, plantTinyForest } from '../../helpers/forest-service';
import { writeMixedFolder } from '../../helpers/mixed-folder';
import { slurmClusterFor } from '../../helpers/slurm';
import { tempDir } from '../../helpers/tmp';

const env = slurmClusterFor('discovered domains sent to Slurm through the service');
const dir = tempDir('grove-discover-slurm-service-');
let service: GroveService;
let folder: string;

beforeAll(async () => {
  if (!env) return;
  // The workers inherit this process's environment: the test cluster's configuration.
  process.env.SLURM_CONF = env.SLURM_CONF;
  service = jobService(await plantTinyForest(dir));
  folder = writeMixedFolder(join(dir, 'mixed'));
  await service.setClusterSettings({ trainOn: 'slurm', slurm: { sharedDir: join(dir, 'shared'), timeLimit: '10' } });
  const discovered = await service.discoverDomains({ folder });
  expect((await jobSettled(service, discovered.id)).status).toBe('done');
}, 120_000);
afterAll(() => service?.close());

/** A Slurm job of `name` alone is queued, finishes, and its expert is ready; `without` has no expert. */
async function expectTrainedAlone(name: string, without: string): Promise<void> {
  const label = `Train on Slurm: “${name}”`;
  const slurm = await (async () => {
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const job = (await service.jobs({})).find((j) => j.kind === 'slurm-expert' && j.label.includes(name));
      if (job) return job;
    }
    throw new Error(`no Slurm job of ${name} was queued`);
  })();
  expect(slurm.label).toBe(label);
  const done = await jobSettled(service, slurm.id);
  expect(done.status, done.error ?? '').toBe('done');
  const models = (await service.forestSummary({})).models;
  expect(models.find((m) => m.name === name)).toMatchObject({ status: 'ready' });
  expect(models.find((m) => m.name === without)).toBeUndefined();
}

describe.skipIf(!env)('discovered domains on Slurm through the service', () => {
  it("sends the kept domains' experts without one whose ingest was cancelled", async () => {
    const [first, second] = await service.growDiscovered({
      folder,
      domains: [
        { name: 'kept', clusters: [0] },
        { name: 'dropped', clusters: [1, 2] },
      ],
      expert: { init: 'seed', budget: { steps: 4 }, threads: 1 },
    });
    expect((await service.cancelJob({ id: second!.id })).status).toBe('cancelled');
    expect((await jobSettled(service, first!.id)).status).toBe('done');
    await expectTrainedAlone('kept', 'dropped');
  }, 120_000);

  it('plans the waiting expert when its sibling, paused, is cancelled after it', async () => {
    const [first, second] = await service.growDiscovered({
      folder,
      domains: [
        { name: 'waited', clusters: [0] },
        { name: 'paused', clusters: [1, 2] },
      ],
      expert: { init: 'seed', budget: { steps: 4 }, threads: 1 },
    });
    expect((await service.pauseJob({ id: second!.id })).status).toBe('paused');
    expect((await jobSettled(service, first!.id)).status).toBe('done');
    // Ingested, and waiting for its sibling: nothing sent yet.
    expect((await service.jobs({})).filter((j) => j.label === 'Train on Slurm: “waited”')).toEqual([]);
    expect((await service.cancelJob({ id: second!.id })).status).toBe('cancelled');
    await expectTrainedAlone('waited', 'paused');
  }, 120_000);
});
