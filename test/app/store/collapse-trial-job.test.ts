// Which collapse is best, through GroveService and a real job worker on a tiny forest of two trained experts:
// every merge method that takes two models is merged for real, scored on the target's held-out text and ranked;
// the temporary merges are gone afterwards, and the linear row is the perplexity of the collapse it stands for.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { modelsDir } from '../../../src/app/store/model-store';
import { MERGE_METHOD_NAMES } from '../../../src/shared/api/merge-methods';
import { ingestDomains, jobService, jobSettled, LAW_AND_MED, plantTinyForest } from '../../helpers/forest-service';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;

async function settledDone(id: number): Promise<void> {
  const job = await jobSettled(service, id);
  expect(job.status, job.error ?? '').toBe('done');
}

beforeAll(async () => {
  home = await plantTinyForest(dir);
  service = jobService(home);
  await ingestDomains(service, dir, LAW_AND_MED);
  await settledDone((await service.trainExpert({ domain: 'law', budget: { steps: 4 } })).id);
  await settledDone((await service.trainExpert({ domain: 'med', budget: { steps: 4 } })).id);
});
afterAll(() => service?.close());

describe('tryCollapseMethods', () => {
  it('merges the experts with every method, scores each on the target, keeps the perplexities and removes the merges', async () => {
    const storeBefore = readdirSync(modelsDir(home)).sort();
    const job = await service.tryCollapseMethods({ weighting: { kind: 'posterior', target: 'domain:law' } });
    expect(job).toMatchObject({ kind: 'collapse-trial', label: 'Try 6 merge methods on “domain:law”' });
    await settledDone(job.id);

    const trial = (await service.collapseTrial({ jobId: job.id }))!;
    expect(trial).toMatchObject({ jobId: job.id, target: 'domain:law', split: 'valid', skipped: [] });
    expect(trial.rows.map((r) => r.method)).toEqual([...MERGE_METHOD_NAMES]);
    expect(trial.tokens).toBeGreaterThan(0);
    expect(trial.tokens).toBeLessThanOrEqual(16_384 + trial.contextLength * 4);
    const prior = (await service.priors({})).find((p) => p.target === 'domain:law')!;
    expect(trial.weights).toEqual(prior.weights.map((w) => ({ name: w.name, weight: expect.closeTo(w.weight, 9) })));
    for (const r of trial.rows) {
      expect(Number.isFinite(r.perplexity) && r.perplexity > 1).toBe(true);
      expect(r.perplexity).toBeCloseTo(Math.exp(r.loss), 6);
    }
    expect(trial.rows.find((r) => r.method === 'slerp')!.settings).toEqual({ t: 0.5 });
    // Different methods make different models: the numbers are not one number repeated.
    expect(new Set(trial.rows.map((r) => r.perplexity.toFixed(6))).size).toBeGreaterThan(1);
    expect(trial.best).toBe(trial.rows.reduce((a, b) => (b.perplexity < a.perplexity ? b : a)).method);
    // The temporary merges are gone: the store holds what it held before (the prior estimated on the way is in the catalog).
    expect(readdirSync(modelsDir(home)).sort()).toEqual(storeBefore);
    expect(await service.collapseTrial({})).toEqual(trial);

    // The linear row is the collapse it stands for, scored on the same held-out text.
    await settledDone((await service.collapse({ name: 'c-linear', weighting: { kind: 'posterior', target: 'domain:law' } })).id);
    await settledDone((await service.evaluate({ models: ['c-linear'], domains: ['law'], ensemble: false, split: 'valid' })).id);
    const evaluation = (await service.evaluations({})).find((e) => e.label === 'c-linear' && e.domain === 'law' && e.split === 'valid')!;
    expect(evaluation.tokens).toBe(trial.tokens);
    expect(trial.rows[0]!.perplexity).toBeCloseTo(evaluation.perplexity, 3);
  });

  it('leaves out the methods that cannot take the models chosen, and says why', async () => {
    const job = await service.tryCollapseMethods({ models: ['seed', 'law', 'med'], weighting: { kind: 'uniform' } });
    expect(job.label).toBe('Try 5 merge methods on “mix”');
    await settledDone(job.id);
    const trial = (await service.collapseTrial({ jobId: job.id }))!;
    expect(trial.skipped).toEqual([{ method: 'slerp', reason: 'slerp merges exactly 2 models; 3 were chosen.' }]);
    expect(trial.rows.map((r) => r.method)).not.toContain('slerp');
    expect(trial.weights.map((w) => w.weight)).toEqual([1 / 3, 1 / 3, 1 / 3].map((w) => expect.closeTo(w, 9)));
  });

  it('leaves a temporary merge only when its worker dies, and gc deletes it', async () => {
    const storeBefore = readdirSync(modelsDir(home)).sort();
    process.env.GROVE_TEST_KILL_AFTER = 'merged:collapse-trial';
    let job;
    try {
      job = await jobSettled(service, (await service.tryCollapseMethods({ weighting: { kind: 'uniform' } })).id);
    } finally {
      delete process.env.GROVE_TEST_KILL_AFTER;
    }
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/was killed/);
    const left = readdirSync(modelsDir(home)).filter((e) => !storeBefore.includes(e));
    expect(left).toEqual([expect.stringMatching(/^\.incoming-\d+-/)]);
    expect((await service.gc({})).files).toBeGreaterThan(0);
    expect(readdirSync(modelsDir(home)).filter((e) => e.startsWith('.incoming-'))).toEqual([]);
  });
});
