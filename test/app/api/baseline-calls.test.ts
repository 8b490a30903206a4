// "Compare with one model" through GroveService and real job workers, on a tiny forest (two experts, a collapsed
// model, and a domain no expert was trained on): the dense baseline trains from the seed for the tokens the
// experts received, on the mix of their domains, as a job with progress; its evaluation beside the forest follows
// on every domain, and the verdict is stored. The baseline is a model like any other (lineage, export, removal)
// but no expert: never a branch parent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import type { GroveEvent } from '../../../src/shared/api';
import { ingestDomains, jobService, jobSettled, LAW_AND_MED, plantTinyForest } from '../../helpers/forest-service';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;
const events: GroveEvent[] = [];

async function settledDone(start: Promise<{ id: number }>): Promise<void> {
  const job = await jobSettled(service, (await start).id);
  expect(job.status, job.error ?? '').toBe('done');
}

beforeAll(async () => {
  home = await plantTinyForest(dir);
  service = jobService(home);
  service.onEvent((e) => events.push(e));
  await ingestDomains(service, dir, {
    ...LAW_AND_MED,
    poems: (i: number) => `Poem ${i}: the willow bends, the river runs, and the heron waits by the stone.`,
  });
});
afterAll(() => service?.close());

describe('compareWithBaseline', () => {
  it('is refused while the forest has no trained expert, saying what to do', async () => {
    await expect(service.compareWithBaseline({})).rejects.toThrow(/no trained experts yet.*train an expert first/);
  });

  it('trains the compute-matched dense model, evaluates it beside the forest on every domain, and keeps the verdict', async () => {
    await settledDone(service.trainExpert({ domain: 'law', budget: { steps: 3 } }));
    await settledDone(service.trainExpert({ domain: 'med', budget: { steps: 2 } }));
    await settledDone(service.collapse({ name: 'merged', weighting: { kind: 'uniform' } }));
    const expertTokens = (await service.runs({})).filter((r) => r.status === 'done').reduce((n, r) => n + r.tokens, 0);

    const job = await service.compareWithBaseline({});
    expect(job).toMatchObject({ kind: 'baseline', status: 'queued' });
    expect(job.label).toMatch(/^Train “baseline”, one model on the mix of 2 domains \([\d,]+ tokens, as the experts had\)$/);
    const trained = await jobSettled(service, job.id);
    expect(trained, trained.error ?? '').toMatchObject({ status: 'done', done: 5, total: 5, runId: job.runId });
    const run = (await service.runs({})).find((r) => r.id === job.runId)!;
    expect(run).toMatchObject({ modelName: 'baseline', domain: null, status: 'done', step: 5, totalSteps: 5, tokens: expertTokens });
    expect(events.some((e) => e.type === 'train.progress' && e.runId === job.runId && e.progress.step === 5)).toBe(true);

    // The evaluation was queued by the training's commit: it is there as soon as the training is done.
    const compare = (await service.jobs({})).find((j) => j.kind === 'evaluate' && j.id > job.id)!;
    expect(compare.label).toBe('Compare “baseline” with the forest on 3 domain(s)');
    await settledDone(Promise.resolve(compare));

    const verdict = (await service.verdict({}))!;
    expect(verdict).toMatchObject({ baseline: 'baseline', experts: ['law', 'med'], collapsed: 'merged', trainingTokens: expertTokens });
    expect(verdict.domains.map((d) => [d.domain, d.inDomain])).toEqual([
      ['law', true],
      ['med', true],
      ['poems', false],
    ]);
    const scores = (await service.evaluations({})).filter((e) => e.split === 'test');
    for (const d of verdict.domains) {
      const baseline = scores.find((e) => e.domain === d.domain && e.spec.kind === 'model' && e.spec.model === 'baseline')!.perplexity;
      const forest = scores.find((e) => e.domain === d.domain && e.spec.kind === 'ensemble')!.perplexity;
      const collapsed = scores.find((e) => e.domain === d.domain && e.spec.kind === 'model' && e.spec.model === 'merged')!.perplexity;
      expect(d).toMatchObject({ baseline, forest, collapsed });
      expect(d.forestGain).toBeCloseTo((baseline - forest) / baseline, 12);
      expect(d.collapsedGain).toBeCloseTo((baseline - collapsed) / baseline, 12);
    }
    expect(Date.parse(verdict.createdAt)).toBeGreaterThan(Date.now() - 10 * 60_000);

    const summary = await service.forestSummary({});
    const model = summary.models.find((m) => m.name === 'baseline')!;
    expect(model).toMatchObject({ role: 'baseline', status: 'ready', domain: null, tokensTrained: expertTokens });
    const seed = summary.models.find((m) => m.role === 'seed')!;
    expect(summary.lineage.filter((e) => e.child === model.id)).toEqual([{ child: model.id, parent: seed.id, weight: 1 }]);
  });

  it('keeps the baseline out of the experts: a new branch averages experts only', async () => {
    await settledDone(service.trainExpert({ domain: 'poems', init: 'posterior', topK: 3, branchOnly: true }));
    const summary = await service.forestSummary({});
    const poems = summary.models.find((m) => m.name === 'poems')!;
    const parents = summary.lineage.filter((e) => e.child === poems.id).map((e) => summary.models.find((m) => m.id === e.parent)!.name);
    expect(parents.length).toBeGreaterThan(0);
    expect(parents.every((p) => ['law', 'med'].includes(p))).toBe(true);
  });

  it('exports and removes the baseline as any model; the verdict stays', async () => {
    const out = join(dir, 'baseline-hf');
    await settledDone(service.exportModel({ model: 'baseline', format: 'hf', out }));
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    expect(await service.removeModel({ model: 'baseline' })).toEqual({ removed: 'baseline' });
    expect((await service.verdict({}))?.baseline).toBe('baseline');
  });
});
