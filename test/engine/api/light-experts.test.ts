// Light experts through GroveService and real job workers: a light expert is a PEFT adapter in the store
// over the seed, which training leaves bit for bit unchanged; its row records kind, base and LoRA settings;
// it trains further, pauses and resumes from a checkpoint of its adapter alone; gc keeps its base.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/engine/api/service';
import { Catalog } from '../../../src/engine/catalog/catalog';
import { parentsOf } from '../../../src/engine/catalog/lineage';
import { modelById, modelHoldingName } from '../../../src/engine/catalog/models';
import { sha256File } from '../../../src/engine/file-hash';
import { catalogPath } from '../../../src/engine/home';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../../src/engine/model/adapter-folder';
import { resolveMix } from '../../../src/engine/infer/mix';
import { ModelPool } from '../../../src/engine/infer/model-pool';
import { runReply } from '../../../src/engine/infer/reply';
import { forestTokenizerDir } from '../../../src/engine/store/init';
import { storedModelFolder } from '../../../src/engine/store/model-store';
import { openStoredScorers } from '../../../src/engine/store/stored-scorers';
import { ingestDomains, jobService, jobSettled, LAW_AND_MED, plantTinyForest } from '../../helpers/forest-service';
import { tempDir } from '../../helpers/tmp';

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

describe('light experts', () => {
  it('trains a light expert as an adapter over the seed, leaving the seed bit for bit as it was', async () => {
    const seed = row('seed');
    const seedWeights = join(storedModelFolder(home, seed.weightsSha256!), 'model.safetensors');
    const before = await sha256File(seedWeights);
    const job = await service.trainExpert({ domain: 'law', light: { rank: 4 }, budget: { steps: 6 } });
    const done = await jobSettled(service, job.id);
    expect(done, done.error ?? '').toMatchObject({ status: 'done', done: 6, total: 6 });

    const law = row('law');
    expect(law).toMatchObject({ status: 'ready', light: { baseSha256: seed.weightsSha256, lora: { rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] } } });
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
    const branched = await jobSettled(service, (await service.trainExpert({ domain: 'med', init: 'seed', light: { rank: 2, targets: ['q_proj', 'v_proj'] }, branchOnly: true })).id);
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
    const job = await jobSettled(service, (await service.trainExpert({ domain: 'law', name: 'lease', light: { rank: 4 }, topK: 2, budget: { steps: 2 } })).id);
    expect(job.status, job.error ?? '').toBe('done');
    const catalog = Catalog.open(catalogPath(home));
    try {
      const lease = modelById(catalog, row('lease').id);
      expect(parentsOf(catalog, lease.id).map((p) => p.name).sort()).toEqual(['law', 'med']);
      // Rank 4 on every projection plus rank 2 on q and v: one adapter of rank 6 on the union of their targets.
      expect(lease.light?.lora).toMatchObject({ rank: 6, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
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

  it('chats with a mix of light experts: one base, each expert its adapter, batched in one pass', async () => {
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
      const reply = await runReply(pool, { tokenizerDir: forestTokenizerDir(home), input: { kind: 'chat', messages: [{ role: 'user', content: 'The tenant shall' }] }, mix: resolved.mix, sampling: { temperature: 0 }, maxTokens: 4 });
      expect(reply.tokens).toBeGreaterThan(0);
      expect(reply.posterior.map((w) => w.name)).toEqual(['law', 'med']);
      expect(reply.posterior.reduce((a, w) => a + w.weight, 0)).toBeCloseTo(1, 5);
      // One base open for both light experts.
      expect(pool.openKeys).toEqual([seedSha]);
    } finally {
      await pool.close();
    }
  });

  it('collapses light experts exactly into one full model over their base, and refuses to mix them with full models', async () => {
    const uniform = await jobSettled(service, (await service.collapse({ name: 'light-one', models: ['law', 'med'], weighting: { kind: 'uniform' } })).id);
    expect(uniform.status, uniform.error ?? '').toBe('done');
    expect(row('light-one')).toMatchObject({ role: 'collapsed', light: null });
    expect(existsSync(join(storedModelFolder(home, row('light-one').weightsSha256!), 'model.safetensors'))).toBe(true);
    // All of law and none of med: the collapsed full model computes what law (base + adapter) computes.
    const lawOnly = await jobSettled(service, (await service.collapse({ name: 'law-full', models: ['law', 'med'], weighting: { kind: 'manual', weights: { law: 1, med: 0 } } })).id);
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
    const exported = await jobSettled(service, (await service.exportModel({ model: 'law', format: 'peft', out: join(dir, 'law-peft') })).id);
    expect(exported.status, exported.error ?? '').toBe('done');
    expect(JSON.parse(readFileSync(join(dir, 'law-peft', ADAPTER_CONFIG_FILE), 'utf8'))).toMatchObject({ r: 4, lora_alpha: 8, base_model_name_or_path: row('seed').weightsSha256 });
    const mixed = await jobSettled(service, (await service.collapse({ name: 'mixed', models: ['seed', 'law'], weighting: { kind: 'uniform' } })).id);
    expect(mixed.status).toBe('failed');
    expect(mixed.error).toMatch(/Collapse light experts together, over one base/);
  });

  it('gc keeps the base of the light experts and their adapters', async () => {
    await service.gc({});
    for (const name of ['seed', 'law', 'med']) expect(readFileSync(join(storedModelFolder(home, row(name).weightsSha256!), 'grove-address.json')).length).toBeGreaterThan(0);
  });
});
