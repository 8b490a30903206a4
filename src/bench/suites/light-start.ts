// Bench suite "light-start": which start a light expert branched from light experts should take (issue
// "Light experts", Branch). On a real forest grown through the service and its job workers (a seed trained on
// four Brown genres, then one light expert per genre from the seed), a new light expert on a fifth genre is
// branched three ways from the same posterior: the parents' average exactly (adapters side by side, rank the
// sum of theirs), its best rank-r approximation (truncated SVD, r the asked rank), and a fresh adapter over the
// seed (the control: is the average worth starting from at all). Each trains the same steps with the same
// seed and settings; reported: the SVD start's relative Frobenius error (and, for scale, at other ranks), each
// start's validation loss before training and at the end, and the time per step (the exact start trains at
// the sum of the parents' ranks). Figures come from the catalog the jobs wrote, as the app would see them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobRunningService, runJob } from '../../cli/run-job';
import type { GroveService } from '../../app/api/service';
import { withCatalog } from '../../app/catalog/with-catalog';
import { parentsOf } from '../../app/catalog/lineage';
import { modelById, modelHoldingName } from '../../app/catalog/models';
import type { LightStartRecord } from '../../engine/forest/light-start';
import { truncateAdapterSum } from '../../engine/forest/merge/lora-truncate';
import { parseModelConfig } from '../../engine/model/config';
import { readPeftAdapterFor } from '../../engine/model/peft-import';
import { storedModelFolder } from '../../app/store/model-store';
import { writeBrownGenreFolder, type BrownGenre } from '../../engine/tokenize/brown';
import type { LightSettings } from '../../shared/api/schemas-forest';
import type { Figure } from '../report';
import type { BenchContext, BenchSuite } from '../run';

interface Plan {
  parents: BrownGenre[];
  target: BrownGenre;
  rank: number;
  seedSteps: number;
  parentSteps: number;
  branchSteps: number;
}

/** The tiny shape (hidden 128, 4 layers) at 16 x 128 tokens a step; rank 8 on every projection. */
const PLANS: Record<'default' | 'quick', Plan> = {
  default: {
    parents: ['news', 'religion', 'hobbies', 'romance'],
    target: 'editorial',
    rank: 8,
    seedSteps: 250,
    parentSteps: 150,
    branchSteps: 120,
  },
  quick: {
    parents: ['news', 'religion', 'hobbies', 'romance'],
    target: 'editorial',
    rank: 8,
    seedSteps: 20,
    parentSteps: 10,
    branchSteps: 10,
  },
};
const VOCABULARY = 4096;
const ERROR_RANKS = [1, 2, 4, 8, 16, 24];

type StartName = 'exact' | 'svd' | 'seed';
interface StartResult {
  start: StartName;
  model: string;
  rank: number;
  record: LightStartRecord | null;
  validBefore: number;
  validAfter: number;
  /** Median seconds per optimizer step (validations and checkpoints left out). */
  secondsPerStep: number;
  validCurve: { step: number; loss: number }[];
}

const domainName = (g: BrownGenre) => g.replace(/_/g, '-');

/** Valid-split loss of each model on the domain, through the evaluation job (the same scorer before and after). */
async function validLosses(service: GroveService, models: string[], domain: string): Promise<Map<string, number>> {
  const before = new Set((await service.evaluations({})).map((e) => e.createdAt + e.label));
  await runJob(service, () => service.evaluate({ models, domains: [domain], ensemble: false, split: 'valid' }));
  const fresh = (await service.evaluations({})).filter((e) => !before.has(e.createdAt + e.label) && e.spec.kind === 'model');
  return new Map(fresh.map((e) => [e.spec.kind === 'model' ? e.spec.model : '', e.loss]));
}

/** Seconds per step from the run's cumulative tokens/s (median of step-to-step differences). */
export function secondsPerStep(points: { step: number; split: string; tokensPerSecond?: number | null }[], tokensPerStep: number): number {
  const train = points.filter((p) => p.split === 'train' && p.tokensPerSecond).sort((a, b) => a.step - b.step);
  const elapsed = train.map((p, i) => ((i + 1) * tokensPerStep) / p.tokensPerSecond!);
  const steps = elapsed.slice(1).map((t, i) => t - elapsed[i]!);
  const sorted = steps.sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function growForest(service: GroveService, work: string, plan: Plan, threads: number, log: (line: string) => void): Promise<void> {
  const folders = [...plan.parents, plan.target].map((g) => ({
    name: domainName(g),
    folder: writeBrownGenreFolder(g, join(work, 'corpus', g)),
  }));
  log(`seed: tiny shape on ${plan.parents.join(', ')}, ${plan.seedSteps} steps`);
  await runJob(service, () =>
    service.createForest({ domains: folders.slice(0, -1), shape: 'tiny', vocabSize: VOCABULARY, budget: { steps: plan.seedSteps } }),
  );
  await runJob(service, () => service.addDomain({ folder: folders.at(-1)!.folder, domain: folders.at(-1)!.name }));
  for (const g of plan.parents) {
    log(`light parent ${g}: rank ${plan.rank}, ${plan.parentSteps} steps from the seed`);
    await runJob(service, () =>
      service.trainExpert({
        domain: domainName(g),
        init: 'seed',
        light: { rank: plan.rank },
        budget: { steps: plan.parentSteps },
        threads,
      }),
    );
  }
}

/** The SVD start's error at other ranks, from the same parents and weights (no training). */
async function errorByRank(home: string, model: string): Promise<{ rank: number; relativeError: number }[]> {
  const { config, parents } = withCatalog(home, (c) => {
    const row = modelById(c, modelHoldingName(c, c.forest()!.id, model)!.id);
    return {
      config: parseModelConfig(JSON.parse(row.architectureJson)),
      parents: parentsOf(c, row.id).map((p) => ({ name: p.name, weight: p.weight, sha256: modelById(c, p.modelId).weightsSha256! })),
    };
  });
  const parts = await Promise.all(
    parents.map(async (p) => ({
      adapter: await readPeftAdapterFor(storedModelFolder(home, p.sha256), config, p.name),
      weight: p.weight,
      label: p.name,
    })),
  );
  return ERROR_RANKS.map((rank) => ({ rank, relativeError: truncateAdapterSum(config, parts, { rank }).relativeError }));
}

async function compareStarts(
  service: GroveService,
  home: string,
  plan: Plan,
  threads: number,
  log: (line: string) => void,
): Promise<{ results: StartResult[]; parents: { name: string; weight: number }[]; errors: { rank: number; relativeError: number }[] }> {
  const target = domainName(plan.target);
  const starts: { start: StartName; light: LightSettings; init: 'posterior' | 'seed' }[] = [
    { start: 'exact', light: { rank: plan.rank, start: 'exact' }, init: 'posterior' },
    { start: 'svd', light: { rank: plan.rank, start: 'svd' }, init: 'posterior' },
    { start: 'seed', light: { rank: plan.rank }, init: 'seed' },
  ];
  for (const s of starts) {
    log(`branch ${target}-${s.start}`);
    await runJob(service, () =>
      service.trainExpert({
        domain: target,
        name: `${target}-${s.start}`,
        init: s.init,
        topK: plan.parents.length,
        light: s.light,
        branchOnly: true,
      }),
    );
  }
  const names = starts.map((s) => `${target}-${s.start}`);
  const before = await validLosses(service, names, target);
  for (const name of names) {
    log(`train ${name}: ${plan.branchSteps} steps`);
    await runJob(service, () => service.trainModel({ model: name, budget: { steps: plan.branchSteps }, threads }));
  }
  const after = await validLosses(service, names, target);
  const runs = await service.runs({});
  const results: StartResult[] = [];
  for (const [i, s] of starts.entries()) {
    const name = names[i]!;
    const run = runs.find((r) => r.modelName === name)!;
    const { points } = await service.runMetrics({ runId: run.id });
    const { light } = withCatalog(home, (c) => modelById(c, modelHoldingName(c, c.forest()!.id, name)!.id));
    results.push({
      start: s.start,
      model: name,
      rank: light!.lora.rank,
      record: light!.start ?? null,
      validBefore: before.get(name)!,
      validAfter: after.get(name)!,
      secondsPerStep: secondsPerStep(points, run.tokens / Math.max(1, run.step)),
      validCurve: points.filter((p) => p.split === 'valid').map((p) => ({ step: p.step, loss: p.loss })),
    });
  }
  const parents = withCatalog(home, (c) =>
    parentsOf(c, modelHoldingName(c, c.forest()!.id, names[1]!)!.id).map((p) => ({ name: p.name, weight: p.weight })),
  );
  return { results, parents, errors: await errorByRank(home, names[1]!) };
}

function tables(
  results: StartResult[],
  errors: { rank: number; relativeError: number }[],
  parents: { name: string; weight: number }[],
  plan: Plan,
): { title: string; markdown: string }[] {
  const rows = results.map(
    (r) =>
      `| ${r.start} | ${r.rank} | ${r.record?.start === 'svd' ? r.record.relativeError.toFixed(4) : r.start === 'exact' ? '0' : '–'} | ${r.validBefore.toFixed(4)} | ${r.validAfter.toFixed(4)} | ${(1000 * r.secondsPerStep).toFixed(0)} |`,
  );
  const curves = results.map((r) => `| ${r.start} | ${r.validCurve.map((p) => `${p.step}: ${p.loss.toFixed(3)}`).join(', ')} |`);
  return [
    {
      title: `Three starts of a light expert on ${plan.target}, ${plan.branchSteps} steps each`,
      markdown: [
        `Parents (posterior on ${plan.target}): ${parents.map((p) => `${p.weight.toFixed(3)} × ${p.name}`).join(' + ')}; each rank ${plan.rank}, ${plan.parentSteps} steps from a seed of ${plan.seedSteps} steps.`,
        '',
        '| start | rank | relative Frobenius error of the start | valid loss at step 0 | valid loss at the end | ms / step |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        ...rows,
      ].join('\n'),
    },
    {
      title: "The SVD start's relative Frobenius error by rank (same parents and weights)",
      markdown: ['| rank | error |', '| ---: | ---: |', ...errors.map((e) => `| ${e.rank} | ${e.relativeError.toFixed(4)} |`)].join('\n'),
    },
    {
      title: "Validation loss during training (the run's own held-out batches)",
      markdown: ['| start | step: loss |', '| --- | --- |', ...curves].join('\n'),
    },
  ];
}

export const lightStartSuite: BenchSuite = {
  name: 'light-start',
  description:
    "A light expert branched from light experts: the parents' average exactly (rank the sum) against its rank-r truncated SVD and a fresh adapter, on a real Brown forest: SVD error, valid loss before and after equal training, time per step",
  async run(ctx: BenchContext) {
    const plan = PLANS[ctx.quick ? 'quick' : 'default'];
    const work = mkdtempSync(join(tmpdir(), 'grove-bench-light-start-'));
    const home = join(work, 'home');
    const service = jobRunningService(home);
    try {
      await growForest(service, work, plan, ctx.threads, ctx.log);
      const { results, parents, errors } = await compareStarts(service, home, plan, ctx.threads, ctx.log);
      const by = (s: StartName) => results.find((r) => r.start === s)!;
      const svd = by('svd');
      const figures: Figure[] = [
        {
          name: `SVD start: relative Frobenius error at rank ${plan.rank}`,
          value: svd.record?.start === 'svd' ? svd.record.relativeError : NaN,
          unit: '',
          note: `parents' total rank ${by('exact').rank}`,
        },
        ...results.flatMap((r): Figure[] => [
          { name: `${r.start} start: valid loss at step 0`, value: r.validBefore, unit: 'nats/token' },
          { name: `${r.start} start: valid loss after ${plan.branchSteps} steps`, value: r.validAfter, unit: 'nats/token' },
          { name: `${r.start} start: time per step (rank ${r.rank})`, value: 1000 * r.secondsPerStep, unit: 'ms' },
        ]),
      ];
      return { suite: 'light-start', figures, sections: tables(results, errors, parents, plan), data: { plan, parents, results, errors } };
    } finally {
      service.close();
      rmSync(work, { recursive: true, force: true });
    }
  },
};
