// Forests from scratch through GroveService and real job workers: the sample forest (Brown corpus genres
// written as folders, a BPE tokenizer trained on their training splits, a seed on their mix, then one expert
// per genre branched from the seed, each best on its own genre on the heatmap), and createForest on a person's own folders.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { forestSettingsJson } from '../../../src/app/catalog/forests';
import { parentsOf } from '../../../src/app/catalog/lineage';
import { modelById } from '../../../src/app/catalog/models';
import { jobRows } from '../../../src/app/catalog/jobs';
import { catalogPath } from '../../../src/app/home';
import { SAMPLE_PRESETS } from '../../../src/app/store/sample-forest';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { jobService, jobSettled, writeDomainFolder } from '../../helpers/forest-service';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const services: GroveService[] = [];
afterAll(() => services.forEach((s) => s.close()));

function open(home: string): GroveService {
  const s = jobService(home);
  services.push(s);
  return s;
}

/** Waits until no job of the service is queued or running. */
async function idle(service: GroveService): Promise<void> {
  for (;;) {
    const jobs = await service.jobs({});
    if (jobs.every((j) => !['queued', 'running'].includes(j.status))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The heatmap's evaluation (the Evaluate button's call): each expert has the lowest test perplexity on its own
 * genre and beats the seed there, the story the sample is there to show.
 */
async function expectEachExpertBestOnItsGenre(service: GroveService, genres: string[]): Promise<void> {
  const evaluation = await jobSettled(service, (await service.evaluate({})).id);
  expect(evaluation, evaluation.error ?? '').toMatchObject({ status: 'done' });
  const heatmap = await service.evaluations();
  const ppl = (model: string, domain: string) => heatmap.find((e) => e.label === model && e.domain === domain)!.perplexity;
  for (const domain of genres) {
    const row = ['seed', ...genres].map((g) => `${g} ${ppl(g, domain).toFixed(2)}`).join(', ');
    const best = genres.reduce((a, b) => (ppl(b, domain) < ppl(a, domain) ? b : a));
    expect(best, `best expert on ${domain}: ${row}`).toBe(domain);
    expect(ppl(domain, domain), `the ${domain} expert against the seed on ${domain}: ${row}`).toBeLessThan(ppl('seed', domain));
  }
}

describe('createSampleForest', () => {
  it('grows a seed on the genres’ mix, then an expert per genre from it, each best on its own genre', async () => {
    const home = join(dir, 'sample');
    const service = open(home);
    const job = await service.createSampleForest({ preset: 'tiny' });
    expect(job).toMatchObject({ kind: 'seed', label: 'Grow a forest: seed on reviews, government, romance' });
    const seeded = await jobSettled(service, job.id);
    expect(seeded, seeded.error ?? '').toMatchObject({ status: 'done', done: 1000, total: 1000 });
    await idle(service);
    const jobs = await service.jobs({});
    expect(jobs.filter((j) => j.kind === 'expert').map((j) => [j.label, j.status])).toEqual([
      ['Train expert “reviews”', 'done'],
      ['Train expert “government”', 'done'],
      ['Train expert “romance”', 'done'],
    ]);
    const tokenizer = await loadTokenizer(join(home, 'tokenizer', 'tokenizer.json'));
    expect(tokenizer.vocabSize).toBe(512);
    expect(existsSync(join(home, 'sample-corpus', 'reviews', 'cc01.txt'))).toBe(true);

    const summary = await service.forestSummary({});
    expect(summary.domains.map((d) => [d.name, d.stats?.trainable])).toEqual([
      ['reviews', true],
      ['government', true],
      ['romance', true],
    ]);
    const catalog = Catalog.open(catalogPath(home));
    try {
      const forestId = catalog.forest()!.id;
      const models = catalog
        .models(forestId)
        .map((m) => ({ ...m, status: modelById(catalog, m.id).status, t: modelById(catalog, m.id).tokenizerSha256 }));
      expect(models.map((m) => [m.name, m.role, m.status])).toEqual([
        ['seed', 'seed', 'ready'],
        ['reviews', 'expert', 'ready'],
        ['government', 'expert', 'ready'],
        ['romance', 'expert', 'ready'],
      ]);
      expect(new Set(models.map((m) => m.t)).size).toBe(1);
      for (const m of models.slice(1)) expect(parentsOf(catalog, m.id).map((p) => [p.name, p.weight])).toEqual([['seed', 1]]);
      const settings = JSON.parse(forestSettingsJson(catalog, forestId)!) as { contextLength: number };
      expect(settings.contextLength).toBe(64);
    } finally {
      catalog.close();
    }
    const runs = await service.runs({});
    expect(runs.map((r) => [r.modelName, r.status, r.step])).toEqual([
      ['romance', 'done', 100],
      ['government', 'done', 100],
      ['reviews', 'done', 100],
      ['seed', 'done', 300],
    ]);
    const seedCurve = (await service.runMetrics({ runId: runs.at(-1)!.id })).points.filter((p) => p.split === 'train');
    expect(seedCurve.at(-1)!.loss).toBeLessThan(seedCurve[0]!.loss);

    await expectEachExpertBestOnItsGenre(service, ['reviews', 'government', 'romance']);
    await expect(service.createSampleForest({ preset: 'tiny' })).rejects.toThrow(/already holds forest "forest" with a seed/);
  }, 240_000); // the real tiny sample: 600 training steps, then its evaluation (~35 s on a busy 2-core machine)
});

describe('createSampleForest standard, as planted', () => {
  it("plants the seed at the preset's peak learning rate and keeps its experts' own, the rate the seed ends on", async () => {
    const home = join(dir, 'standard-planted');
    const service = open(home);
    const job = await service.createSampleForest({ preset: 'standard' });
    await service.cancelJob({ id: job.id });
    const catalog = Catalog.open(catalogPath(home));
    try {
      const payload = JSON.parse(jobRows(catalog).find((r) => r.id === job.id)!.payload_json) as {
        settings: { peakLr: number; minLrRatio: number };
        expertSettings: { peakLr: number; contextLength: number };
      };
      expect(payload.settings.peakLr).toBe(2e-3);
      expect(payload.expertSettings.peakLr).toBe(payload.settings.peakLr * payload.settings.minLrRatio);
      expect(payload.expertSettings.contextLength).toBe(128);
    } finally {
      catalog.close();
    }
  });
});

// The standard sample takes minutes (its build time is in sample-forest.ts), too long for the default suite: run
// it by hand with GROVE_STANDARD_SAMPLE=1 npx vitest run test/app/api/forest-seed.test.ts -t standard
describe.skipIf(!process.env.GROVE_STANDARD_SAMPLE)('createSampleForest standard (GROVE_STANDARD_SAMPLE=1)', () => {
  it('grows the standard sample, each expert best on its own genre and better there than the seed', async () => {
    const home = join(dir, 'standard');
    const service = open(home);
    const genres = SAMPLE_PRESETS.standard.genres.map((g) => g.replace(/_/g, '-'));
    const seeded = await jobSettled(service, (await service.createSampleForest({ preset: 'standard' })).id);
    expect(seeded, seeded.error ?? '').toMatchObject({ status: 'done' });
    await idle(service);
    const experts = (await service.jobs({})).filter((j) => j.kind === 'expert');
    expect(experts.map((j) => [j.label, j.status, j.error ?? null])).toEqual(genres.map((g) => [`Train expert “${g}”`, 'done', null]));
    await expectEachExpertBestOnItsGenre(service, genres);
  }, 3_600_000);
});

describe('createForest', () => {
  it('trains a tokenizer and a seed on the person’s folders for a step budget', async () => {
    const home = join(dir, 'own');
    const service = open(home);
    const recipes = writeDomainFolder(
      dir,
      'recipes',
      (i) => `Recipe ${i}: simmer the onions with thyme, then add the beans and a cup of stock.`,
    );
    const notes = writeDomainFolder(dir, 'notes', (i) => `Meeting ${i}: we agreed to ship the release on Friday after the last review.`);
    await expect(service.createForest({ domains: [{ name: 'recipes', folder: join(dir, 'nope') }] })).rejects.toThrow(/is not a folder/);
    // A third folder with nothing to train on is left out of the seed, and is no domain of the forest.
    const blank = join(dir, 'blank');
    mkdirSync(blank);
    const job = await service.createForest({
      domains: [
        { name: 'recipes', folder: recipes },
        { name: 'notes', folder: notes },
        { name: 'blank', folder: blank },
      ],
      shape: 'micro',
      vocabSize: 400,
      budget: { steps: 5 },
    });
    const done = await jobSettled(service, job.id);
    expect(done, done.error ?? '').toMatchObject({ status: 'done' });
    expect((await service.forestSummary({})).domains.map((d) => d.name).sort()).toEqual(['notes', 'recipes']);
    expect(existsSync(join(home, 'domains', 'blank'))).toBe(false);
    expect(JSON.parse(readFileSync(join(home, 'tokenizer', 'tokenizer.json'), 'utf8')).model.type).toBe('BPE');
    expect((await service.forestSummary({})).models.map((m) => [m.name, m.role])).toEqual([['seed', 'seed']]);
    expect(await service.jobs({})).toHaveLength(1); // no experts asked for
  });
});
