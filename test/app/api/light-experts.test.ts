// Light experts through GroveService and real job workers: a light expert is a PEFT adapter in the store
// over the seed, which training leaves bit for bit unchanged; its row records kind, base and LoRA settings;
// it trains further, pauses and resumes from a checkpoint of its adapter alone; gc keeps its base. A branch from
// light parents starts from their average exactly or, with the SVD start, from its best rank-r approximation,
// checked against PyTorch's SVD of the dense averaged delta; the SVD start is refused where nothing is averaged.
// They collapse exactly, into a full model or kept light (one adapter, their adapters concatenated).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { parentsOf } from '../../../src/app/catalog/lineage';
import { modelById, modelHoldingName } from '../../../src/app/catalog/models';
import { parseModelConfig } from '../../../src/engine/model/config';
import { adaptedProjections } from '../../../src/engine/model/lora-adapter';
import { readPeftAdapterFor } from '../../../src/engine/model/peft-import';
import { sha256File } from '../../../src/engine/file-hash';
import { catalogPath } from '../../../src/app/home';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../../src/engine/model/adapter-folder';
import { resolveMix } from '../../../src/app/infer/mix';
import { ModelPool } from '../../../src/app/infer/model-pool';
import { runReply } from '../../../src/app/infer/reply';
import { forestTokenizerDir } from '../../../src/app/store/init';
import { storedModelFolder } from '../../../src/app/store/model-store';
import { openStoredScorers } from '../../../src/app/store/stored-scorers';
import { ingestDomains, jobService, jobSettled, LAW_AND_MED, plantTinyForest } from '../../helpers/forest-service';
import { adapterDelta, denseDelta, frobenius, relativeMaxDiff, torchTruncatedSvd } from '../../helpers/lora';
import { tempDir } from '../../helpers/tmp';
import { torchFor } from '../../helpers/torch';

const torchAvailable = torchFor('the SVD start against torch');

const dir = tempDir();
let home: string;
let service: GroveService;

function row(name: string) {
  const catalog = Catalog.open(catalogPath(home));
  try {
    return modelById(catalog, modelHoldingName(catalog, catalog.forest()!.id, name)!.id);
  } finally {
    catalog.close();
  }
}

beforeAll(async () => {
  home = await plantTinyForest(dir);
  service = jobService(home);
  await ingestDomains(service, dir, LAW_AND_MED);
});
afterAll(() => service?.close());

/** A light expert's parents (from the lineage) with their weights, and every adapter involved, read from the store. */
async function branchOf(name: string) {
  const catalog = Catalog.open(catalogPath(home));
  let parents;
  try {
    parents = parentsOf(catalog, row(name).id);
  } finally {
    catalog.close();
  }
  const config = parseModelConfig(JSON.parse(row(name).architectureJson));
  const read = (n: string) => readPeftAdapterFor(storedModelFolder(home, row(n).weightsSha256!), config, n);
  return {
    config,
    child: await read(name),
    parents: await Promise.all(parents.map(async (p) => ({ adapter: await read(p.name), weight: p.weight, label: p.name }))),
  };
}

describe('light experts', () => {
  it('refuses the SVD start where there are no light parents to average: from the seed, or before any light expert', async () => {
    await expect(service.trainExpert({ domain: 'law', init: 'seed', light: { rank: 4, start: 'svd' } })).rejects.toThrow(
      /a branch from the seed alone \(--init seed\) has none: leave out the SVD start/,
    );
    await expect(service.trainExpert({ domain: 'law', light: { rank: 4, start: 'svd' } })).rejects.toThrow(
      /this forest has no light experts over seed yet: leave out the SVD start/,
    );
    expect((await service.forestSummary({})).models.map((m) => m.name)).toEqual(['seed']);
  });

  it('trains a light expert as an adapter over the seed, leaving the seed bit for bit as it was', async () => {
    const seed = row('seed');
    const seedWeights = join(storedModelFolder(home, seed.weightsSha256!), 'model.safetensors');
    const before = await sha256File(seedWeights);
    const job = await service.trainExpert({ domain: 'law', light: { rank: 4 }, budget: { steps: 6 } });
    const done = await jobSettled(service, job.id);
    expect(done, done.error ?? '').toMatchObject({ status: 'done', done: 6, total: 6 });

    const law = row('law');
    expect(law).toMatchObject({
      status: 'ready',
      light: {
        baseSha256: seed.weightsSha256,
        lora: { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
      },
    });
    const folder = storedModelFolder(home, law.weightsSha256!);
    const config = JSON.parse(readFileSync(join(folder, ADAPTER_CONFIG_FILE), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, base_model_name_or_path: seed.weightsSha256 });
    expect(await sha256File(seedWeights)).toBe(before);

    // The card: kind, rank, base, and the adapter's size, a small part of the seed's.
    const card = (await service.forestSummary({})).models.find((m) => m.name === 'law')!;
    const seedCard = (await service.forestSummary({})).models.find((m) => m.name === 'seed')!;
    expect(card).toMatchObject({ kind: 'light', light: { rank: 4, alpha: 8, base: 'seed' } });
    expect(card.weightsBytes).toBe(readFileSync(join(folder, ADAPTER_WEIGHTS_FILE)).length);
    expect(card.weightsBytes!).toBeLessThan(seedCard.weightsBytes! / 2);
  });

  it('branches a light expert from the seed alone, then trains it further with pause and resume', async () => {
    const branched = await jobSettled(
      service,
      (await service.trainExpert({ domain: 'med', init: 'seed', light: { rank: 2, targets: ['q_proj', 'v_proj'] }, branchOnly: true })).id,
    );
    expect(branched.status, branched.error ?? '').toBe('done');
    const init = row('med');
    expect(init).toMatchObject({ status: 'training', light: { lora: { rank: 2, alpha: 4, targets: ['q_proj', 'v_proj'] } } });

    const job = await service.trainModel({ model: 'med', budget: { steps: 30 }, checkpoint: { steps: 2 } });
    const off = service.onEvent((e) => {
      if (e.type === 'train.progress' && e.runId === job.runId && e.progress.step === 3) void service.pauseJob({ id: job.id });
    });
    expect((await jobSettled(service, job.id)).status).toBe('paused');
    off();
    const paused = (await service.runs({})).find((r) => r.id === job.runId)!;
    expect(paused.step).toBeLessThan(30);
    await service.resumeJob({ id: job.id });
    const done = await jobSettled(service, job.id, ['done', 'failed', 'cancelled']);
    expect(done.status, done.error ?? '').toBe('done');
    const { points } = await service.runMetrics({ runId: job.runId! });
    expect(points.filter((p) => p.split === 'train').map((p) => p.step)).toEqual([...Array(30).keys()]);
    const med = row('med');
    expect(med.weightsSha256).not.toBe(init.weightsSha256);
    expect(med.light).toEqual(init.light);
  });

  it('branches a light expert from the posterior over the light experts, exactly (their adapters side by side), and evaluates the light forest', async () => {
    const job = await jobSettled(
      service,
      (await service.trainExpert({ domain: 'law', name: 'lease', light: { rank: 4 }, topK: 2, budget: { steps: 2 } })).id,
    );
    expect(job.status, job.error ?? '').toBe('done');
    const catalog = Catalog.open(catalogPath(home));
    try {
      const lease = modelById(catalog, row('lease').id);
      expect(
        parentsOf(catalog, lease.id)
          .map((p) => p.name)
          .sort(),
      ).toEqual(['law', 'med']);
      // Rank 4 on every projection plus rank 2 on q and v: one adapter of rank 6 on the union of their targets,
      // at the asked scale alpha / r = 8 / 4 (alpha 12 at rank 6), the start recorded as exact.
      expect(lease.light?.lora).toEqual({
        rank: 6,
        alpha: 12,
        targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
      });
      expect(lease.light?.start).toEqual({ start: 'exact', rank: 6 });
    } finally {
      catalog.close();
    }
    // The prior that chose the parents was estimated with the light experts themselves (their base + adapters).
    expect((await service.priors({})).find((p) => p.target === 'domain:law')?.weights.map((w) => w.name)).toEqual(['law', 'med']);
    const evaluation = await jobSettled(service, (await service.evaluate({ models: ['law', 'med'], domains: ['law'] })).id);
    expect(evaluation.status, evaluation.error ?? '').toBe('done');
    const scores = await service.evaluations({});
    const law = scores.find((e) => e.spec.kind === 'model' && e.spec.model === 'law')!;
    const ensemble = scores.find((e) => e.spec.kind === 'ensemble')!;
    expect(Number.isFinite(law.perplexity) && Number.isFinite(ensemble.perplexity)).toBe(true);
  });

  it.skipIf(!torchAvailable)(
    "branches with the SVD start: the stored adapter is the best rank-r approximation of the parents' average (torch SVD), its error recorded",
    async () => {
      const job = await jobSettled(
        service,
        (await service.trainExpert({ domain: 'med', name: 'med-svd', light: { rank: 3, start: 'svd' }, topK: 2, branchOnly: true })).id,
      );
      expect(job.status, job.error ?? '').toBe('done');
      const { config, child, parents } = await branchOf('med-svd');
      expect(parents).toHaveLength(2);
      expect(child.lora).toMatchObject({ rank: 3, alpha: 6 });
      const projections = adaptedProjections(config, child.lora.targets);
      const dense = projections.map((p) => denseDelta(parents, p.projection, p.out, p.in));
      const refs = torchTruncatedSvd(projections.map((p, i) => ({ rows: p.out, cols: p.in, data: dense[i]!, rank: 3 })));
      let dropped = 0;
      let total = 0;
      projections.forEach((p, i) => {
        const approx = adapterDelta(child, p.projection, p.out, p.in);
        expect(relativeMaxDiff(approx, refs[i]!.truncated), p.projection).toBeLessThan(1e-5);
        dropped += frobenius(dense[i]!.map((x, j) => x - approx[j]!)) ** 2;
        total += frobenius(dense[i]!) ** 2;
      });
      // Parents of rank 4 + 2 or more cut to rank 3 (a few steps of training leave little past the first
      // directions, so the error is small here but not 0): the error recorded for grove show is the measured one.
      expect(parents.reduce((n, p) => n + p.adapter.lora.rank, 0)).toBeGreaterThan(3);
      const start = row('med-svd').light?.start;
      expect(start).toMatchObject({ start: 'svd', rank: 3 });
      expect(Math.abs((start?.start === 'svd' ? start.relativeError : NaN) - Math.sqrt(dropped / total))).toBeLessThan(1e-5);
      expect(row('med-svd').light?.lora).toEqual(child.lora);
    },
  );

  it("branches with the SVD start at a rank the parents' average fits in: their average exactly, error 0", async () => {
    const job = await jobSettled(
      service,
      (await service.trainExpert({ domain: 'law', name: 'law-svd', light: { rank: 16, start: 'svd' }, topK: 2, branchOnly: true })).id,
    );
    expect(job.status, job.error ?? '').toBe('done');
    const { config, child, parents } = await branchOf('law-svd');
    expect(parents.reduce((n, p) => n + p.adapter.lora.rank, 0)).toBeLessThanOrEqual(16);
    for (const p of adaptedProjections(config, child.lora.targets)) {
      const exact = denseDelta(parents, p.projection, p.out, p.in);
      expect(relativeMaxDiff(adapterDelta(child, p.projection, p.out, p.in), exact), p.projection).toBeLessThan(1e-5);
    }
    const start = row('law-svd').light?.start;
    expect(start?.start).toBe('svd');
    expect(start?.start === 'svd' ? start.relativeError : NaN).toBeLessThan(1e-6);
  });

  it('chats with a mix of light experts: one base, each expert its adapter, batched in one pass, in f32 and over a 4-bit base', async () => {
    const catalog = Catalog.open(catalogPath(home));
    let resolved;
    try {
      resolved = resolveMix(catalog, home, { models: ['law', 'med'], prior: 'uniform' });
    } finally {
      catalog.close();
    }
    const seedSha = row('seed').weightsSha256!;
    expect(resolved.mix.kind).toBe('ensemble');
    const experts = resolved.mix.kind === 'ensemble' ? resolved.mix.experts : [];
    expect(experts.map((e) => ({ key: e.key, adapter: e.adapter?.key }))).toEqual([
      { key: seedSha, adapter: row('law').weightsSha256 },
      { key: seedSha, adapter: row('med').weightsSha256 },
    ]);
    const pool = new ModelPool({ run: { threads: 1 } });
    try {
      const reply = await runReply(pool, {
        tokenizerDir: forestTokenizerDir(home),
        input: { kind: 'chat', messages: [{ role: 'user', content: 'The tenant shall' }] },
        mix: resolved.mix,
        sampling: { temperature: 0 },
        maxTokens: 4,
      });
      expect(reply.tokens).toBeGreaterThan(0);
      expect(reply.posterior.map((w) => w.name)).toEqual(['law', 'med']);
      expect(reply.posterior.reduce((a, w) => a + w.weight, 0)).toBeCloseTo(1, 5);
      // One base open for both light experts.
      expect(pool.openKeys).toEqual([seedSha]);
      // Over a 4-bit base alike: the adapters stay f32 on the quantized base's batched pass, one base for both.
      const quantized = await runReply(pool, {
        tokenizerDir: forestTokenizerDir(home),
        input: { kind: 'chat', messages: [{ role: 'user', content: 'The tenant shall' }] },
        mix: resolved.mix,
        sampling: { temperature: 0 },
        maxTokens: 4,
        quant: '4',
      });
      expect(quantized.tokens).toBeGreaterThan(0);
      expect(quantized.posterior.map((w) => w.name)).toEqual(['law', 'med']);
      expect(quantized.posterior.reduce((a, w) => a + w.weight, 0)).toBeCloseTo(1, 5);
      expect(pool.openKeys).toEqual([seedSha, `${seedSha}@1/4`]);
    } finally {
      await pool.close();
    }
  });

  it('collapses light experts exactly into one full model over their base, and refuses to mix them with full models', async () => {
    const uniform = await jobSettled(
      service,
      (await service.collapse({ name: 'light-one', models: ['law', 'med'], weighting: { kind: 'uniform' } })).id,
    );
    expect(uniform.status, uniform.error ?? '').toBe('done');
    expect(row('light-one')).toMatchObject({ role: 'collapsed', light: null });
    expect(existsSync(join(storedModelFolder(home, row('light-one').weightsSha256!), 'model.safetensors'))).toBe(true);
    // All of law and none of med: the collapsed full model computes what law (base + adapter) computes.
    const lawOnly = await jobSettled(
      service,
      (await service.collapse({ name: 'law-full', models: ['law', 'med'], weighting: { kind: 'manual', weights: { law: 1, med: 0 } } })).id,
    );
    expect(lawOnly.status, lawOnly.error ?? '').toBe('done');
    const opened = await openStoredScorers(home, [row('law-full').weightsSha256!, row('law').weightsSha256!]);
    try {
      const ids = Array.from({ length: 24 }, (_, i) => (i * 37) % 320);
      const [full, light] = await Promise.all(opened.scorers.map((s) => s.score(ids.slice(0, -1), ids.slice(1), 1)));
      for (let i = 0; i < full!.length; i++) expect(Math.abs(full![i]! - light![i]!)).toBeLessThanOrEqual(1e-4);
    } finally {
      await opened.close();
    }
    // A trained light expert exports as its PEFT adapter, naming its base by the base's store address.
    const exported = await jobSettled(
      service,
      (await service.exportModel({ model: 'law', format: 'peft', out: join(dir, 'law-peft') })).id,
    );
    expect(exported.status, exported.error ?? '').toBe('done');
    expect(JSON.parse(readFileSync(join(dir, 'law-peft', ADAPTER_CONFIG_FILE), 'utf8'))).toMatchObject({
      r: 4,
      lora_alpha: 8,
      base_model_name_or_path: row('seed').weightsSha256,
    });
    const mixed = await jobSettled(
      service,
      (await service.collapse({ name: 'mixed', models: ['seed', 'law'], weighting: { kind: 'uniform' } })).id,
    );
    expect(mixed.status).toBe('failed');
    expect(mixed.error).toMatch(/Collapse light experts together, over one base/);
  });

  it('keeps a collapse of light experts light: one adapter over their base, their adapters concatenated, computing what the full collapse computes', async () => {
    const kept = await jobSettled(
      service,
      (await service.collapse({ name: 'light-kept', models: ['law', 'med'], weighting: { kind: 'uniform' }, keep: 'light' })).id,
    );
    expect(kept.status, kept.error ?? '').toBe('done');
    // Rank 4 on every projection plus rank 2 on q and v: rank 6 on the union of their targets, scale 1.
    expect(row('light-kept')).toMatchObject({
      role: 'collapsed',
      status: 'ready',
      light: {
        baseSha256: row('seed').weightsSha256,
        lora: { rank: 6, alpha: 6, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] },
      },
    });
    expect(existsSync(join(storedModelFolder(home, row('light-kept').weightsSha256!), ADAPTER_WEIGHTS_FILE))).toBe(true);
    const catalog = Catalog.open(catalogPath(home));
    try {
      expect(parentsOf(catalog, row('light-kept').id).map((p) => ({ name: p.name, weight: p.weight }))).toEqual([
        { name: 'law', weight: 0.5 },
        { name: 'med', weight: 0.5 },
      ]);
    } finally {
      catalog.close();
    }
    expect((await service.forestSummary({})).models.find((m) => m.name === 'light-kept')).toMatchObject({
      kind: 'light',
      light: { rank: 6, base: 'seed' },
    });
    // Both collapses are exact: the light one (base + concatenated adapter) scores as the full one (light-one, uniform).
    const opened = await openStoredScorers(home, [row('light-kept').weightsSha256!, row('light-one').weightsSha256!]);
    try {
      const ids = Array.from({ length: 24 }, (_, i) => (i * 53 + 7) % 320);
      const [light, full] = await Promise.all(opened.scorers.map((s) => s.score(ids.slice(0, -1), ids.slice(1), 1)));
      for (let i = 0; i < full!.length; i++) expect(Math.abs(full![i]! - light![i]!)).toBeLessThanOrEqual(1e-4);
    } finally {
      await opened.close();
    }
    // Kept light only when every model is a light expert over one base: refused by name before any job.
    await expect(
      service.collapse({ name: 'not-light', models: ['seed', 'law'], weighting: { kind: 'uniform' }, keep: 'light' }),
    ).rejects.toThrow(/stays light only when every model chosen is a light expert over one base: seed is a full model/);
    expect((await service.forestSummary({})).models.map((m) => m.name)).not.toContain('not-light');
  });

  it('gc keeps the base of the light experts and their adapters', async () => {
    await service.gc({});
    for (const name of ['seed', 'law', 'med'])
      expect(readFileSync(join(storedModelFolder(home, row(name).weightsSha256!), 'grove-address.json')).length).toBeGreaterThan(0);
  });
});
