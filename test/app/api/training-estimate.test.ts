// trainingEstimate and measureTraining through GroveService and real job workers: the estimate's disk is the
// size the trained expert really has in the store (full and light), its time comes from the forest's earlier
// runs of the same kind and settings once there are some (from a measurement of the real train steps before),
// the default budget is the domain's, and the kind recommended follows the memory the machine has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { GroveError } from '../../../src/shared/api/errors';
import { nodeWorkerLauncher } from '../../../src/app/jobs/node-launcher';
import { readMeasuredSpeeds } from '../../../src/engine/train/measured-speed';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/grove-process';
import { ingestDomains, jobService, jobSettled, LAW_AND_MED, plantTinyForest } from '../../helpers/forest-service';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;

beforeAll(async () => {
  home = await plantTinyForest(dir);
  service = jobService(home);
  await ingestDomains(service, dir, LAW_AND_MED);
});
afterAll(() => service?.close());

/** A service over the same forest whose machine has `availableBytes` of memory free. */
function onMachine(availableBytes: number): GroveService {
  return new GroveService({
    forestHome: home,
    transport: 'http',
    workers: nodeWorkerLauncher(join(repoRoot, 'out/node/job-worker.js')),
    memory: () => ({ totalBytes: 16e9, availableBytes }),
  });
}

describe('training estimates', () => {
  it('defaults to the domain’s budget and says nothing of time before anything was measured', async () => {
    const estimate = await service.trainingEstimate({ domain: 'law' });
    const perStep = estimate.settings.batchSize * estimate.settings.contextLength;
    expect(estimate.budget).toEqual({ steps: Math.max(20, Math.ceil((2 * estimate.domainTokens) / perStep)) });
    for (const kind of [estimate.full, estimate.light]) expect(kind).toMatchObject({ seconds: null, speed: null, tokensPerSecond: null });
    expect(estimate.light.trainableParameters).toBeLessThan(estimate.full.trainableParameters);
  });

  it('measures the real train steps in the worker, full and light, and takes the time from that', async () => {
    const job = await service.measureTraining({ light: { rank: 4 } });
    const done = await jobSettled(service, job.id);
    expect(done.status, done.error ?? '').toBe('done');
    const speeds = readMeasuredSpeeds(home);
    expect(speeds.map((s) => s.kind).sort()).toEqual(['full', 'light']);
    const estimate = await service.trainingEstimate({ domain: 'law', budget: { steps: 40 }, light: { rank: 4 } });
    for (const kind of [estimate.full, estimate.light]) {
      const measured = speeds.find((s) => s.kind === kind.kind)!;
      expect(kind.speed).toMatchObject({ kind: 'measured', of: kind.kind, device: 'cpu', measuredAt: measured.measuredAt });
      expect(kind.seconds).toBeCloseTo(kind.tokens / measured.tokensPerSecond, 6);
    }
  });

  it('says exactly how much disk the trained expert takes, full and light', async () => {
    const estimate = await service.trainingEstimate({
      domain: 'law',
      budget: { steps: 6 },
      light: { rank: 4, targets: ['q_proj', 'v_proj'] },
    });
    for (const [name, light] of [
      ['law-full', undefined],
      ['law-light', { rank: 4, targets: ['q_proj', 'v_proj'] as ('q_proj' | 'v_proj')[] }],
    ] as const) {
      const job = await service.trainExpert({ domain: 'law', name, init: 'seed', budget: { steps: 6 }, ...(light ? { light } : {}) });
      const done = await jobSettled(service, job.id);
      expect(done.status, done.error ?? '').toBe('done');
      const card = (await service.forestSummary({})).models.find((m) => m.name === name)!;
      expect(card.weightsBytes).toBe(light ? estimate.light.diskBytes : estimate.full.diskBytes);
    }
  });

  it('takes the time from the forest’s earlier runs of the same kind once there are some', async () => {
    const estimate = await service.trainingEstimate({ domain: 'med', budget: { steps: 100 }, light: { rank: 4 } });
    const runs = await service.runs({});
    for (const kind of [estimate.full, estimate.light]) {
      expect(kind.speed).toMatchObject({ kind: 'runs', of: kind.kind, runs: 1, device: 'cpu' });
      const run = runs.find((r) => r.modelName === `law-${kind.kind}`)!;
      const points = (await service.runMetrics({ runId: run.id })).points.filter((p) => p.tokensPerSecond !== undefined);
      const tps = points.at(-1)!.tokensPerSecond!;
      // The run's FLOP rate, carried over to this rank by FLOPs per token (the run had rank 4 on two projections).
      if (kind.kind === 'full') expect(kind.tokensPerSecond).toBeCloseTo(tps, 6);
      expect(kind.seconds).toBeCloseTo(kind.tokens / kind.tokensPerSecond!, 6);
    }
  });

  it('recommends full while it fits comfortably, light when it does not', async () => {
    const probe = await service.trainingEstimate({ domain: 'med' });
    const roomy = onMachine(probe.full.peakMemoryBytes * 10);
    const tight = onMachine(probe.full.peakMemoryBytes * 1.1);
    const none = onMachine(probe.light.peakMemoryBytes / 2);
    try {
      expect(await roomy.trainingEstimate({ domain: 'med' })).toMatchObject({ recommended: 'full', full: { fits: 'comfortable' } });
      const t = await tight.trainingEstimate({ domain: 'med' });
      expect(t).toMatchObject({ recommended: 'light', full: { fits: 'tight' } });
      expect(t.reason).toMatch(
        /^A full expert’s training would peak at about \d+ MB of the \d+ MB of memory available now; a light one needs about \d+ MB\.$/,
      );
      expect(await none.trainingEstimate({ domain: 'med' })).toMatchObject({
        recommended: 'light',
        full: { fits: 'no' },
        light: { fits: 'no' },
      });
      await expect(none.measureTraining({})).rejects.toThrow(/would not fit in the .* GB of memory available now/);
    } finally {
      for (const s of [roomy, tight, none]) s.close();
    }
  });

  it('keeps the estimate shown before a run with the run, and sets what it took beside it', async () => {
    const before = await service.trainingEstimate({ domain: 'med', budget: { steps: 8 } });
    const job = await service.trainExpert({ domain: 'med', name: 'med-judged', init: 'seed', budget: { steps: 8 } });
    const done = await jobSettled(service, job.id);
    expect(done.status, done.error ?? '').toBe('done');
    const run = (await service.runs({})).find((r) => r.modelName === 'med-judged')!;
    // Speeds were measured above: the time is known, from this forest's runs of the same settings.
    expect(run.estimate).toEqual({
      kind: 'full',
      seconds: before.full.seconds,
      peakMemoryBytes: before.full.peakMemoryBytes,
      speed: 'runs',
    });
    expect(run.actual!.seconds).toBeGreaterThan(0);
    // The job's worker process: at least the estimate's runtime and weights, under the machine's memory.
    expect(run.actual!.peakMemoryBytes).toBeGreaterThan(100e6);
    expect(run.actual!.peakMemoryBytes).toBeLessThan(before.machine.totalMemoryBytes);
    // The curated list's time now comes from this forest's runs.
    const curated = await service.curatedModels();
    expect(curated[0]!.estimate.speed).toMatchObject({ kind: 'runs' });
    expect(curated[0]!.estimate.speed.samples).toBeGreaterThan(0);
  });

  it('refuses an unknown domain with what to do', async () => {
    await expect(service.trainingEstimate({ domain: 'nope' })).rejects.toThrow(GroveError);
    await expect(service.trainingEstimate({ domain: 'nope' })).rejects.toThrow(/add its folder first/);
  });
});
