// The BTM operations through GroveService and real job workers: an expert is branched (from the seed
// when the forest has no experts; then as the posterior-weighted average of the most likely experts),
// trained on its domain alone and merged, with its run, loss history, prior and lineage in the catalog;
// a training job pauses and resumes from its checkpoint; a cancelled new expert never joins the forest;
// remove and gc.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { parentsOf } from '../../../src/app/catalog/lineage';
import { modelById, modelHoldingName } from '../../../src/app/catalog/models';
import { catalogPath } from '../../../src/app/home';
import { storedModelFolder } from '../../../src/app/store/model-store';
import type { GroveEvent } from '../../../src/shared/api';
import { jobService, jobSettled, plantTinyForest, writeDomainFolder } from '../../helpers/forest-service';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;
const events: GroveEvent[] = [];

async function ingest(name: string, sentence: (i: number) => string): Promise<void> {
  const job = await service.addDomain({ folder: writeDomainFolder(dir, name, sentence), domain: name });
  expect(await jobSettled(service, job.id)).toMatchObject({ status: 'done' });
}

function modelRow(name: string) {
  const catalog = Catalog.open(catalogPath(home));
  try {
    const m = modelById(catalog, modelHoldingName(catalog, catalog.forest()!.id, name)!.id);
    return { id: m.id, status: m.status, sha: m.weightsSha256 };
  } finally {
    catalog.close();
  }
}

function lineageOf(name: string) {
  const catalog = Catalog.open(catalogPath(home));
  try {
    return parentsOf(catalog, modelRow(name).id).map((p) => ({ name: p.name, weight: p.weight }));
  } finally {
    catalog.close();
  }
}

beforeAll(async () => {
  home = await plantTinyForest(dir);
  service = jobService(home);
  service.onEvent((e) => events.push(e));
  await ingest('law', (i) => `Clause ${i}: the tenant shall pay the landlord the rent on the first day of the month.`);
  await ingest('med', (i) => `Patient ${i} was given aspirin for the fever and rested for two days in the ward.`);
  await ingest('law2', (i) => `Section ${i}: the landlord shall return the deposit to the tenant within thirty days.`);
});
afterAll(() => service?.close());

describe('trainExpert', () => {
  it('branches the first expert from the seed, trains it on its domain, and merges it', async () => {
    const job = await service.trainExpert({ domain: 'law', budget: { steps: 6 } });
    expect(job).toMatchObject({ kind: 'expert', label: 'Train expert “law”', status: 'queued' });
    const done = await jobSettled(service, job.id);
    expect(done, done.error ?? '').toMatchObject({ status: 'done', done: 6, total: 6, runId: job.runId });
    const law = modelRow('law');
    expect(law.status).toBe('ready');
    expect(law.sha).not.toBe(modelRow('seed').sha);
    expect(existsSync(join(storedModelFolder(home, law.sha!), 'model.safetensors'))).toBe(true);
    expect(lineageOf('law')).toEqual([{ name: 'seed', weight: 1 }]);

    const [run] = await service.runs({});
    expect(run).toMatchObject({
      id: job.runId,
      modelName: 'law',
      domain: 'law',
      status: 'done',
      step: 6,
      totalSteps: 6,
      device: 'cpu',
      jobId: job.id,
    });
    const { points } = await service.runMetrics({ runId: job.runId! });
    expect(points.filter((p) => p.split === 'train').map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(points.some((p) => p.split === 'valid')).toBe(true);
    const progress = events.filter(
      (e): e is Extract<GroveEvent, { type: 'train.progress' }> => e.type === 'train.progress' && e.runId === job.runId,
    );
    expect(progress.map((e) => e.progress.step)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('branches later experts from the posterior over the experts of the forest, and caches that prior', async () => {
    const med = await jobSettled(service, (await service.trainExpert({ domain: 'med', budget: { steps: 3 } })).id);
    expect(med.status, med.error ?? '').toBe('done');
    expect(lineageOf('med')).toEqual([{ name: 'law', weight: 1 }]); // one expert to choose from: a copy of it
    // Two experts: the init is their average, weighted by the new domain's posterior (top-2).
    const law2 = await jobSettled(
      service,
      (await service.trainExpert({ domain: 'law2', name: 'lease', budget: { steps: 3 }, topK: 2 })).id,
    );
    expect(law2.status, law2.error ?? '').toBe('done');
    const parents = lineageOf('lease');
    expect(parents.map((p) => p.name).sort()).toEqual(['law', 'med']);
    expect(parents.reduce((a, p) => a + p.weight, 0)).toBeCloseTo(1, 6);
    const prior = (await service.priors({})).find((p) => p.target === 'domain:law2');
    expect(prior?.weights.map((w) => w.name)).toEqual(['law', 'med']);
    expect(prior?.weights.map((w) => w.weight)).toEqual(parents.sort((a, b) => a.name.localeCompare(b.name)).map((p) => p.weight));
  });

  it('refuses a domain that was not ingested and a name that is taken', async () => {
    await expect(service.trainExpert({ domain: 'nowhere' })).rejects.toThrow(/No ingested domain "nowhere"/);
    await expect(service.trainExpert({ domain: 'law' })).rejects.toThrow(/already has a model named "law"/);
  });

  it('pauses a training job at a checkpoint and resumes it to the end', async () => {
    const job = await service.trainExpert({ domain: 'med', name: 'med-long', budget: { steps: 40 } });
    const off = service.onEvent((e) => {
      if (e.type === 'train.progress' && e.runId === job.runId && e.progress.step === 3) void service.pauseJob({ id: job.id });
    });
    const paused = await jobSettled(service, job.id);
    off();
    expect(paused.status).toBe('paused');
    const run = (await service.runs({})).find((r) => r.id === job.runId)!;
    expect(run.status).toBe('paused');
    expect(run.step).toBeLessThan(40);
    expect(modelRow('med-long').status).toBe('training');
    await service.resumeJob({ id: job.id });
    const done = await jobSettled(service, job.id, ['done', 'failed', 'cancelled']);
    expect(done.status, done.error ?? '').toBe('done');
    const { points } = await service.runMetrics({ runId: job.runId! });
    expect(points.filter((p) => p.split === 'train').map((p) => p.step)).toEqual([...Array(40).keys()]);
    expect(modelRow('med-long').status).toBe('ready');
  });

  it('a cancelled new expert never joins the forest, and its name can be used again', async () => {
    const job = await service.trainExpert({ domain: 'law', name: 'doomed', budget: { steps: 500 } });
    const off = service.onEvent((e) => e.type === 'train.progress' && e.runId === job.runId && void service.cancelJob({ id: job.id }));
    expect((await jobSettled(service, job.id)).status).toBe('cancelled');
    off();
    expect(modelRow('doomed').status).toBe('removed');
    expect((await service.runs({})).find((r) => r.id === job.runId)?.status).toBe('cancelled');
    const again = await service.trainExpert({ domain: 'law', name: 'doomed', budget: { steps: 1 } });
    expect((await jobSettled(service, again.id)).status).toBe('done');
  });
});

describe('estimatePrior, evaluate, collapse', () => {
  it('estimates and caches the prior of the experts on a domain, the mix, and a folder', async () => {
    for (const target of ['domain:med', 'mix', `folder:${join(dir, 'law')}`]) {
      const job = await jobSettled(service, (await service.estimatePrior({ target, sequences: 8 })).id);
      expect(job.status, job.error ?? '').toBe('done');
      const prior = (await service.priors({})).find((p) => p.target === target)!;
      expect(prior.weights.map((w) => w.name)).toEqual(['law', 'med', 'lease', 'med-long', 'doomed']);
      expect(prior.weights.reduce((a, w) => a + w.weight, 0)).toBeCloseTo(1, 6);
      expect(prior.sequences).toBe(8);
    }
    await expect(service.estimatePrior({ target: 'domain:nowhere' })).rejects.toThrow(/No ingested domain "nowhere"/);
    await expect(service.estimatePrior({ target: 'chat:3' })).rejects.toThrow(/estimated by the chat itself/);
  });

  it('scores models and the experts’ ensemble on each domain and keeps the newest scores', async () => {
    const job = await jobSettled(service, (await service.evaluate({ models: ['seed', 'law'], domains: ['law', 'med'] })).id);
    expect(job.status, job.error ?? '').toBe('done');
    const rows = await service.evaluations({});
    expect(rows.map((r) => [r.label, r.domain, r.split])).toEqual([
      ['seed', 'law', 'test'],
      ['law', 'law', 'test'],
      ['seed', 'med', 'test'],
      ['law', 'med', 'test'],
      ['ensemble of 5 (cached prior)', 'law', 'test'],
      ['ensemble of 5 (cached prior)', 'med', 'test'],
    ]);
    for (const r of rows) {
      expect(r.perplexity).toBeCloseTo(Math.exp(r.loss), 3);
      expect(r.tokens).toBeGreaterThan(0);
    }
    const ppl = (label: string, domain: string) => rows.find((r) => r.label === label && r.domain === domain)!.perplexity;
    expect(ppl('law', 'law')).toBeLessThan(ppl('seed', 'law')); // training on law helped on law
    // A second evaluation replaces the first in the view (the history stays in the table).
    await jobSettled(service, (await service.evaluate({ models: ['law'], domains: ['law'], ensemble: false })).id);
    expect((await service.evaluations({})).filter((r) => r.label === 'law' && r.domain === 'law')).toHaveLength(1);
  });

  it('collapses experts with posterior, manual and uniform weights into new models with lineage', async () => {
    const posterior = await jobSettled(
      service,
      (await service.collapse({ name: 'one', models: ['law', 'med'], weighting: { kind: 'posterior', target: 'domain:law' } })).id,
    );
    expect(posterior.status, posterior.error ?? '').toBe('done');
    const prior = (await service.priors({})).find((p) => p.target === 'domain:law')!;
    expect(
      lineageOf('one')
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((p) => p.weight),
    ).toEqual(prior.weights.map((w) => w.weight));
    const manual = await jobSettled(
      service,
      (await service.collapse({ name: 'two', models: ['law', 'med'], weighting: { kind: 'manual', weights: { law: 3, med: 1 } } })).id,
    );
    expect(manual.status, manual.error ?? '').toBe('done');
    expect(lineageOf('two')).toEqual([
      { name: 'law', weight: 0.75 },
      { name: 'med', weight: 0.25 },
    ]);
    expect(
      (
        await jobSettled(
          service,
          (await service.collapse({ name: 'three', models: ['law', 'med', 'lease'], weighting: { kind: 'uniform' } })).id,
        )
      ).status,
    ).toBe('done');
    expect(lineageOf('three').map((p) => p.weight)).toEqual([1 / 3, 1 / 3, 1 / 3].map((w) => expect.closeTo(w, 9)));
    expect((await service.forestSummary({})).models.find((m) => m.name === 'two')).toMatchObject({ role: 'collapsed' });
    const ties = await jobSettled(
      service,
      (
        await service.collapse({
          name: 'four',
          models: ['law', 'med'],
          weighting: { kind: 'uniform' },
          method: 'ties',
          settings: { density: 0.5 },
        })
      ).id,
    );
    expect(ties.status, ties.error ?? '').toBe('done');
    // How each collapse was made, kept with the model for the heatmap and grove eval.
    const made = Object.fromEntries((await service.forestSummary({})).models.map((m) => [m.name, m.collapse ?? null]));
    expect(made).toMatchObject({
      one: { method: 'linear', settings: {}, weights: 'posterior', target: 'domain:law' },
      two: { method: 'linear', settings: {}, weights: 'manual', target: null },
      three: { method: 'linear', weights: 'uniform', target: null },
      four: { method: 'ties', settings: { density: 0.5 }, weights: 'uniform', target: null },
      law: null,
    });
    await expect(service.collapse({ name: 'two', weighting: { kind: 'uniform' } })).rejects.toThrow(/already has a model named "two"/);
    await expect(
      service.collapse({ name: 'x', models: ['law', 'med'], weighting: { kind: 'manual', weights: { nobody: 1 } } }),
    ).rejects.toThrow(/nobody, which is not among/);
  });
});

describe('removeModel and gc', () => {
  it('removes an expert (the seed stays), and gc deletes the files nothing needs', async () => {
    await expect(service.removeModel({ model: 'seed' })).rejects.toThrow(/the forest's seed/);
    const doomed = modelRow('doomed');
    expect(await service.removeModel({ model: 'doomed' })).toEqual({ removed: 'doomed' });
    const before = modelRow('med-long');
    const freed = await service.gc({});
    expect(freed.files).toBeGreaterThan(0);
    expect(existsSync(storedModelFolder(home, doomed.sha!))).toBe(false);
    expect(existsSync(storedModelFolder(home, before.sha!))).toBe(true);
    expect(existsSync(storedModelFolder(home, modelRow('seed').sha!))).toBe(true);
    expect(await service.gc({})).toEqual({ files: 0, bytes: 0 });
  });
});
