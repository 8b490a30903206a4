// The app's evaluation with cluster routing, through GroveService and real job workers: a discovery in a mixed
// folder grows one light expert per cluster, the forest's summary then offers the cluster-routed ensemble, and
// evaluate with clusterRouted stores its row as `grove eval --routing clusters` does (the same spec and, scored
// on the same windows, the same perplexity). With a routed expert removed, or no clusterer at all, the summary
// says why and evaluate refuses before anything is queued.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { clustererDir, loadClusterer } from '../../../src/app/forest/clusterer-store';
import { routedExperts } from '../../../src/engine/forest/cluster-routing';
import { jobService, jobSettled, plantTinyForest } from '../../helpers/forest-service';
import { groveBin } from '../../helpers/grove-process';
import { writeMixedFolder } from '../../helpers/mixed-folder';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;
let routed: string[] = [];

beforeAll(async () => {
  home = await plantTinyForest(dir);
  const folder = writeMixedFolder(join(dir, 'mixed'));
  service = jobService(home);
  const discovered = await jobSettled(service, (await service.discoverDomains({ folder })).id);
  expect(discovered.status, discovered.error ?? '').toBe('done');
  const discovery = (await service.discovery({ folder }))!;
  // Each cluster becomes a domain named by the kind of its examples (recipe, stars, court).
  const domains = discovery.clusters.map((c, i) => ({ name: c.examples[0]!.path.split('-')[0]!, clusters: [i] }));
  const jobs = await service.growDiscovered({
    folder,
    domains,
    expert: { init: 'seed', budget: { steps: 2 }, threads: 1, light: { rank: 4 } },
  });
  for (const j of jobs) expect(await jobSettled(service, j.id)).toMatchObject({ status: 'done' });
  for (const j of (await service.jobs({})).filter((x) => x.kind === 'expert'))
    expect(await jobSettled(service, j.id), j.label).toMatchObject({ status: 'done' });
  routed = routedExperts(loadClusterer(home)!);
}, 300_000);
afterAll(() => service.close());

describe('evaluate with cluster routing', () => {
  it('offers the routed ensemble of the three discovered experts in the summary', async () => {
    expect(routed).toHaveLength(3);
    expect((await service.forestSummary({})).clusterRouting).toEqual({ experts: routed, problem: null });
  });

  it('stores the cluster-routed row as grove eval --routing clusters does, beside the models scored', async () => {
    const domain = routed[0]!;
    const job = await service.evaluate({ models: routed, domains: [domain], ensemble: false, clusterRouted: true });
    expect(job.label).toBe('Evaluate 3 model(s) and the cluster-routed ensemble on 1 domain(s)');
    const settled = await jobSettled(service, job.id);
    expect(settled.status, settled.error ?? '').toBe('done');
    const rows = await service.evaluations({});
    expect(rows.map((r) => r.label)).toEqual([...routed, 'ensemble of 3 (cluster-routed)']);
    const row = rows.at(-1)!;
    expect(row.spec).toEqual({ kind: 'routed', routing: 'clusters', models: routed });
    expect(row).toMatchObject({ domain, split: 'test', tokens: rows[0]!.tokens });
    expect(row.perplexity).toBeCloseTo(Math.exp(row.loss), 3);

    // The CLI scores the same ensemble on the same windows (the forest's context, the app's token cap): one number.
    const out = execFileSync(process.execPath, [groveBin, '--home', home, 'eval', '--routing', 'clusters', '--domain', domain], {
      encoding: 'utf8',
    });
    const line = out.split('\n').find((l) => l.startsWith(`ensemble (cluster routing)\t${domain}\t`))!;
    expect(Number(line.split('\t')[5])).toBe(Number(row.perplexity.toFixed(2)));
    const again = (await service.evaluations({})).filter((r) => r.spec.kind === 'routed');
    expect(again).toHaveLength(1); // the same spec: the CLI's newer score replaces the app's in the view
    expect(again[0]!.perplexity).toBeCloseTo(row.perplexity, 9);
  }, 300_000);

  it('says why when a routed expert is gone, and refuses without queueing', async () => {
    await service.removeModel({ model: routed[2]! });
    const { clusterRouting } = await service.forestSummary({});
    expect(clusterRouting?.problem).toMatch(new RegExp(`routes to “${routed[2]}”, not a ready model of this forest`));
    const before = (await service.jobs({})).length;
    await expect(service.evaluate({ clusterRouted: true })).rejects.toThrow(/not a ready model of this forest/);
    expect((await service.jobs({})).length).toBe(before);
  });

  it('refuses without a clusterer, and the summary has none', async () => {
    rmSync(clustererDir(home), { recursive: true });
    expect((await service.forestSummary({})).clusterRouting).toBeNull();
    await expect(service.evaluate({ clusterRouted: true })).rejects.toThrow(
      /This forest has no clusterer: .* or evaluate without cluster routing\./,
    );
    await expect(service.evaluate({ clusterRouted: 'yes' as unknown as boolean })).rejects.toThrow(/clusterRouted/);
  });
});
