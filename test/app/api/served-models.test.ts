// The names the OpenAI-compatible endpoint answers to, against a tiny forest's catalog: `forest`, saved mixes
// that can run, every ready model with its domains (a collapsed model: its parents'), summed parameters; a
// model still training, an id or an unknown name resolves to nothing; a saved mix routed by the clusters (c-BTM)
// is offered by its name and resolves to the discovered experts and the stored clusterer.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { databaseOf } from '../../../src/app/catalog/database';
import { findModel, insertModel, setModelStatus } from '../../../src/app/catalog/models';
import { discoverDomains } from '../../../src/engine/corpus/discover/discover';
import { clustererDir, saveClusterer } from '../../../src/app/forest/clusterer-store';
import { recordLineage } from '../../../src/app/forest/lineage';
import { catalogPath } from '../../../src/app/home';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let forest: TinyForest;
let service: GroveService;

beforeAll(async () => {
  forest = await writeTinyForest(dir, ['law', 'med', 'draft']);
  // Fixture: the experts' domains, a collapsed model of law and med, and an expert still in training.
  const catalog = Catalog.open(catalogPath(forest.home));
  try {
    for (const [name, domain] of [
      ['law', 'statutes'],
      ['med', 'clinic'],
    ]) {
      const domainId = Number(
        databaseOf(catalog).prepare('INSERT INTO domains (forest_id, name) VALUES (?, ?)').run(forest.forestId, domain).lastInsertRowid,
      );
      databaseOf(catalog).prepare('UPDATE models SET domain_id = ? WHERE name = ?').run(domainId, name);
    }
    const law = findModel(catalog, 'law')!;
    const row = databaseOf(catalog)
      .prepare('SELECT weights_bytes AS bytes, architecture_json AS arch FROM models WHERE id = ?')
      .get(law.id) as { bytes: number; arch: string };
    const collapsed = insertModel(catalog, {
      forestId: forest.forestId,
      name: 'both',
      role: 'collapsed',
      weightsSha256: law.weightsSha256,
      weightsBytes: row.bytes,
      architectureJson: row.arch,
      tokenizerSha256: null,
    });
    recordLineage(catalog, collapsed, [
      { modelId: law.id, weight: 0.5 },
      { modelId: findModel(catalog, 'med')!.id, weight: 0.5 },
    ]);
    setModelStatus(catalog, findModel(catalog, 'draft')!.id, 'training');
  } finally {
    catalog.close();
  }
  service = new GroveService({ forestHome: forest.home, transport: 'http' });
});
afterAll(() => service?.close());

describe('served models', () => {
  it('offers forest, the saved mixes and the ready models, with their metadata', async () => {
    await service.saveMix({ name: 'pair', mix: { kind: 'manual', weights: { law: 1, med: 3 } } });
    const served = service.completions.models();
    expect(served.map((m) => [m.name, m.kind])).toEqual([
      ['forest', 'forest'],
      ['pair', 'mix'],
      [forest.seed, 'seed'],
      ['law', 'expert'],
      ['med', 'expert'],
      ['both', 'collapsed'],
    ]);
    const by = Object.fromEntries(served.map((m) => [m.name, m]));
    expect(by.forest).toMatchObject({ models: ['law', 'med'], domains: ['statutes', 'clinic'] });
    expect(by.pair).toMatchObject({
      models: ['law', 'med'],
      domains: ['statutes', 'clinic'],
      mix: { kind: 'manual', weights: { law: 1, med: 3 } },
    });
    expect(by.law).toMatchObject({ models: ['law'], domains: ['statutes'] });
    expect(by.both).toMatchObject({ models: ['both'], domains: ['statutes', 'clinic'] });
    expect(by[forest.seed]!.domains).toEqual([]);
    expect(by.forest!.parameters).toBe(by.law!.parameters! + by.med!.parameters!);
    for (const m of served) expect(Number.isNaN(Date.parse(m.createdAt))).toBe(false);
  });

  it('resolves names only: not ids, not a model in training, not unknown names', () => {
    expect(service.completions.resolve('forest')).toMatchObject({ models: ['law', 'med'], prior: 'uniform' });
    expect(service.completions.resolve('law')).toMatchObject({ models: ['law'], prior: 'model' });
    expect(service.completions.resolve('pair')).toMatchObject({ models: ['law', 'med'], prior: 'manual' });
    const lawId = forest.experts.find((e) => e.name === 'law')!.id;
    expect(service.completions.resolve(String(lawId))).toBeNull();
    expect(service.completions.resolve('draft')).toBeNull();
    expect(service.completions.resolve('gpt-4o')).toBeNull();
  });

  it('offers a saved mix routed by the clusters, once the forest has a clusterer, and resolves it to cluster routing', async () => {
    const mix = { kind: 'auto', routing: 'clusters', topK: 1 } as const;
    await expect(service.saveMix({ name: 'routed', mix })).rejects.toThrow(/This forest has no clusterer/);
    const words = {
      law: 'court statute plaintiff appeal judge verdict contract clause'.split(' '),
      med: 'patient dose clinic symptom fever diagnosis therapy nurse'.split(' '),
    };
    const docs = Array.from({ length: 6 }, (_, i) =>
      Object.entries(words).map(([kind, w]) => ({
        path: `${kind}-${i}`,
        text: Array.from({ length: 30 }, (_, t) => w[(t * 3 + i) % w.length]!).join(' '),
      })),
    ).flat();
    const d = discoverDomains(docs, { k: 2 });
    await saveClusterer(forest.home, { clusterer: d.clusterer, experts: d.clusters.map((c) => c.members[0]!.split('-')[0]!) });
    expect(await service.saveMix({ name: 'routed', mix })).toMatchObject({ name: 'routed', mix, problem: null });
    const served = service.completions.models().find((m) => m.name === 'routed')!;
    expect(served).toMatchObject({ kind: 'mix', mix });
    expect([...served.models].sort()).toEqual(['law', 'med']);
    const resolved = service.completions.resolve('routed')!;
    expect(resolved.prior).toBe('clusters');
    expect(resolved.mix).toMatchObject({
      kind: 'ensemble',
      weighting: { kind: 'clusters', clusterer: clustererDir(forest.home), topK: 1 },
    });
  });
});
