// Domain discovery through GroveService and real job workers (the path the app and the CLI share): the folder
// is ingested once and clustered by a job; the clusters come back with their sizes, tokens, top terms and
// examples; the person's choices are checked before anything is queued (a cluster in two domains, a name twice,
// a cluster that does not exist); each domain's estimate (full and light) reads the training tokens its ingest
// will give; merging two clusters and dropping the third grows one domain of exactly the
// two kinds' documents, extracted once, with one expert, and records the clusterer with the domain of each cluster.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { clusterers } from '../../../src/app/catalog/clusterers';
import { findModel } from '../../../src/app/catalog/models';
import { loadClusterer, loadClustererAt } from '../../../src/app/forest/clusterer-store';
import { catalogPath } from '../../../src/app/home';
import type { DiscoveryView } from '../../../src/shared/api/schemas-discover';
import { jobService, jobSettled, plantTinyForest } from '../../helpers/forest-service';
import { MIXED_KINDS, writeMixedFolder } from '../../helpers/mixed-folder';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;
let folder: string;
let discovery: DiscoveryView;
let mergedTrainTokens = 0;

beforeAll(async () => {
  home = await plantTinyForest(dir);
  folder = writeMixedFolder(join(dir, 'mixed'));
  service = jobService(home);
});
afterAll(() => service.close());

/** The kind (file name prefix) of each example of cluster i. */
const kindsOf = (i: number): string[] => discovery.clusters[i]!.examples.map((e) => e.path.split('-')[0]!);

describe('domain discovery through the service', () => {
  it('has no discovery before its job, then three clusters of 8 documents, one kind each, and the clusterer', async () => {
    expect(await service.discovery({ folder })).toBeNull();
    const job = await service.discoverDomains({ folder });
    expect(job.label).toBe('Discover domains in “mixed”');
    expect(await jobSettled(service, job.id)).toMatchObject({ status: 'done' });
    discovery = (await service.discovery({ folder }))!;
    expect(discovery).toMatchObject({ documents: 24, k: 3, kRule: 'suggested' });
    expect(discovery.clusters.map((c) => c.size)).toEqual([8, 8, 8]);
    for (const [i, c] of discovery.clusters.entries()) {
      expect(c.tokens).toBeGreaterThan(8 * 500);
      expect(c.topTerms.length).toBeGreaterThan(3);
      expect(new Set(kindsOf(i)).size).toBe(1);
      expect(MIXED_KINDS[kindsOf(i)[0]!]!.words).toContain(c.topTerms[0]);
    }
  }, 120_000);

  it('refuses a cluster in two domains, a name twice and a cluster that does not exist, queueing nothing', async () => {
    const before = (await service.jobs({})).length;
    await expect(
      service.growDiscovered({
        folder,
        domains: [
          { name: 'a', clusters: [0, 1] },
          { name: 'b', clusters: [1] },
        ],
      }),
    ).rejects.toThrow(/Cluster 2 is in two domains \("a" and "b"\)/);
    await expect(
      service.growDiscovered({
        folder,
        domains: [
          { name: 'a', clusters: [0] },
          { name: 'a', clusters: [1] },
        ],
      }),
    ).rejects.toThrow(/"a" is given to two domains/);
    await expect(service.growDiscovered({ folder, domains: [{ name: 'a', clusters: [3] }] })).rejects.toThrow(
      /There is no cluster 4: the discovery found 3/,
    );
    expect((await service.jobs({})).length).toBe(before);
  });

  it('estimates each domain before it is grown, full and light, and refuses a cluster that does not exist', async () => {
    const [merged, single] = await service.discoveredEstimate({
      folder,
      domains: [
        { name: 'merged', clusters: [0, 1] },
        { name: 'single', clusters: [2] },
      ],
      budget: { steps: 2 },
      light: { rank: 4 },
      threads: 1,
    });
    expect([merged!.domain, single!.domain]).toEqual(['merged', 'single']);
    // The training split holds most of each domain's tokens (some documents go to valid and test).
    const tokens = (cs: number[]) => cs.reduce((a, c) => a + discovery.clusters[c]!.tokens, 0);
    expect(merged!.domainTokens).toBeGreaterThan(0.5 * tokens([0, 1]));
    expect(merged!.domainTokens).toBeLessThanOrEqual(tokens([0, 1]) + 16);
    expect(single!.domainTokens).toBeLessThan(merged!.domainTokens);
    for (const e of [merged!, single!]) {
      expect(e.full.steps).toBe(2);
      expect(e.light.trainableParameters).toBeLessThan(e.full.trainableParameters);
      expect(e.light.diskBytes).toBeLessThan(e.full.diskBytes);
      expect(e.light.peakMemoryBytes).toBeLessThan(e.full.peakMemoryBytes);
    }
    mergedTrainTokens = merged!.domainTokens;
    await expect(service.discoveredEstimate({ folder, domains: [{ name: 'a', clusters: [5] }], budget: { steps: 2 } })).rejects.toThrow(
      /There is no cluster 6: the discovery found 3/,
    );
  });

  it('merges the first two clusters into one named domain, drops the third, and grows one light expert on it', async () => {
    const merged = [...kindsOf(0), ...kindsOf(1)];
    const jobs = await service.growDiscovered({
      folder,
      domains: [{ name: 'merged', clusters: [0, 1] }],
      expert: { init: 'seed', budget: { steps: 2 }, threads: 1, light: { rank: 4 } },
    });
    expect(jobs).toHaveLength(1);
    expect(await jobSettled(service, jobs[0]!.id)).toMatchObject({ status: 'done' });
    const expertJob = (await service.jobs({})).find((j) => j.kind === 'expert' && j.id > jobs[0]!.id)!;
    expect(await jobSettled(service, expertJob.id)).toMatchObject({ status: 'done' });
    const report = await service.domainReport({ domain: 'merged' });
    const accepted = report.documents.filter((d) => d.status === 'accepted').map((d) => d.path.split('-')[0]!);
    expect(accepted).toHaveLength(16);
    expect(new Set(accepted)).toEqual(new Set(merged));
    const ingest = JSON.parse(readFileSync(join(home, 'domains', 'merged', 'report.json'), 'utf8')) as {
      processed: { extracted: number; reused: number };
    };
    expect(ingest.processed).toMatchObject({ extracted: 0, reused: 16 });
    const summary = await service.forestSummary({});
    expect(summary.domains.map((d) => d.name)).toEqual(['merged']);
    expect(summary.models.filter((m) => m.role === 'expert').map((m) => [m.name, m.kind])).toEqual([['merged', 'light']]);
    const catalog = Catalog.open(catalogPath(home));
    try {
      const [row] = clusterers(catalog, catalog.forest()!.id);
      expect(row!.domains).toEqual(['merged', 'merged', null]);
      const { clusterer } = loadClustererAt(dirname(row!.file))!;
      expect(clusterer.idf).toHaveLength(clusterer.vocabulary.length);
      expect(clusterer.components).toHaveLength(clusterer.dims * clusterer.vocabulary.length);
      expect(clusterer.centres.map((c) => c.length)).toEqual([clusterer.dims, clusterer.dims, clusterer.dims]);
      // The forest's clusterer, the one routing reads: the same, each cluster naming the expert its domain grew.
      const forest = loadClusterer(home)!;
      expect(forest.experts).toEqual(['merged', 'merged', null]);
      expect(forest.clusterer.centres).toEqual(clusterer.centres);
      expect(findModel(catalog, 'merged')!.light?.lora.rank).toBe(4);
      // The estimate before growing read the training tokens the domain's ingest then gave.
      const stats = JSON.parse(catalog.domains(catalog.forest()!.id)[0]!.statsJson!) as { splits: { train: { tokens: number } } };
      expect(stats.splits.train.tokens).toBe(mergedTrainTokens);
    } finally {
      catalog.close();
    }
    expect(existsSync(join(home, 'domains', 'stars'))).toBe(false);
  }, 300_000);
});
