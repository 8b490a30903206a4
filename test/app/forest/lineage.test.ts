import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { ensureForest } from '../../../src/app/catalog/domains';
import { databaseOf } from '../../../src/app/catalog/database';
import { insertModel, setModelStatus } from '../../../src/app/catalog/models';
import { lineageGraph, parentsOf } from '../../../src/app/catalog/lineage';
import { recordLineage } from '../../../src/app/forest/lineage';
import { branchParents } from '../../../src/engine/forest/weights';
import { priorTarget } from '../../../src/app/forest/prior-store';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

function open(file: string) {
  const catalog = Catalog.open(join(dir, file));
  const forestId = ensureForest(catalog, 'f');
  const domain = (name: string) =>
    Number(databaseOf(catalog).prepare('INSERT INTO domains (forest_id, name) VALUES (?, ?)').run(forestId, name).lastInsertRowid);
  const model = (name: string, role: 'seed' | 'expert' | 'collapsed', domainId: number | null = null, forest = forestId) =>
    insertModel(catalog, {
      forestId: forest,
      name,
      role,
      domainId,
      weightsSha256: name,
      weightsBytes: 1,
      architectureJson: '{}',
      tokenizerSha256: 't',
    });
  return { catalog, forestId, domain, model };
}

describe('lineage', () => {
  it('records branches and reads the graph back after reopening the catalog', () => {
    const { catalog, forestId, domain, model } = open('a.sqlite');
    const seed = model('seed', 'seed');
    const law = model('law', 'expert', domain('law'));
    const med = model('med', 'expert', domain('med'));
    recordLineage(catalog, law, [{ modelId: seed, weight: 1 }]);
    recordLineage(catalog, med, [{ modelId: seed, weight: 1 }]);
    // The third expert starts as the posterior-weighted average of the first two (weights.ts).
    const prior = { target: priorTarget.domain('fin'), modelIds: [law, med], weights: [0.25, 0.75] };
    const fin = model('fin', 'expert', domain('fin'));
    recordLineage(
      catalog,
      fin,
      branchParents(
        [
          { id: law, name: 'law' },
          { id: med, name: 'med' },
        ],
        { kind: 'posterior', prior },
      ),
    );
    const all = model('all', 'collapsed');
    recordLineage(catalog, all, [
      { modelId: law, weight: 0.2 },
      { modelId: med, weight: 0.3 },
      { modelId: fin, weight: 0.5 },
    ]);
    setModelStatus(catalog, law, 'removed');
    catalog.close();

    const again = Catalog.open(join(dir, 'a.sqlite'));
    expect(parentsOf(again, fin)).toEqual([
      { modelId: med, name: 'med', role: 'expert', weight: 0.75 },
      { modelId: law, name: 'law', role: 'expert', weight: 0.25 },
    ]);
    expect(parentsOf(again, seed)).toEqual([]);
    const graph = lineageGraph(again, forestId);
    expect(graph.nodes.map((n) => [n.name, n.role, n.status, n.domain])).toEqual([
      ['seed', 'seed', 'ready', null],
      ['law', 'expert', 'removed', 'law'],
      ['med', 'expert', 'ready', 'med'],
      ['fin', 'expert', 'ready', 'fin'],
      ['all', 'collapsed', 'ready', null],
    ]);
    expect(graph.edges).toEqual([
      { childId: law, parentId: seed, weight: 1 },
      { childId: med, parentId: seed, weight: 1 },
      { childId: fin, parentId: law, weight: 0.25 },
      { childId: fin, parentId: med, weight: 0.75 },
      { childId: all, parentId: law, weight: 0.2 },
      { childId: all, parentId: med, weight: 0.3 },
      { childId: all, parentId: fin, weight: 0.5 },
    ]);
    again.close();
  });

  it('refuses bad edges and leaves nothing half-written', () => {
    const { catalog, forestId, model } = open('b.sqlite');
    const seed = model('seed', 'seed');
    const a = model('a', 'expert');
    const b = model('b', 'expert');
    const otherForest = Number(databaseOf(catalog).prepare("INSERT INTO forests (name) VALUES ('other')").run().lastInsertRowid);
    const stranger = model('stranger', 'seed', null, otherForest);
    expect(() => recordLineage(catalog, a, [])).toThrow(/no parents given/);
    expect(() =>
      recordLineage(catalog, a, [
        { modelId: seed, weight: 0.5 },
        { modelId: b, weight: 0.4 },
      ]),
    ).toThrow(/sum to 0.9, not 1/);
    expect(() =>
      recordLineage(catalog, a, [
        { modelId: seed, weight: 1 },
        { modelId: b, weight: 0 },
      ]),
    ).toThrow(/parent \d+ of model \d+ has weight 0/);
    expect(() => recordLineage(catalog, a, [{ modelId: seed, weight: Number.NaN }])).toThrow(/weight NaN/);
    expect(() => recordLineage(catalog, a, [{ modelId: a, weight: 1 }])).toThrow(/its own ancestor/);
    expect(() =>
      recordLineage(catalog, a, [
        { modelId: seed, weight: 0.5 },
        { modelId: seed, weight: 0.5 },
      ]),
    ).toThrow(/listed twice/);
    expect(() => recordLineage(catalog, a, [{ modelId: 999, weight: 1 }])).toThrow(/parent model 999 is not in the catalog/);
    expect(() => recordLineage(catalog, 999, [{ modelId: seed, weight: 1 }])).toThrow(/child model 999 is not in the catalog/);
    expect(() => recordLineage(catalog, a, [{ modelId: stranger, weight: 1 }])).toThrow(/another forest/);
    expect(lineageGraph(catalog, forestId).edges).toEqual([]);

    recordLineage(catalog, a, [{ modelId: seed, weight: 1 }]);
    recordLineage(catalog, b, [{ modelId: a, weight: 1 }]);
    expect(() => recordLineage(catalog, a, [{ modelId: seed, weight: 1 }])).toThrow(/already has its parents recorded/);
    const c = model('c', 'expert');
    recordLineage(catalog, c, [
      { modelId: a, weight: 0.5 },
      { modelId: b, weight: 0.5 },
    ]);
    expect(lineageGraph(catalog, forestId).edges).toHaveLength(4);
    catalog.close();
  });

  it('refuses a cycle through descendants', () => {
    const { catalog, model } = open('c.sqlite');
    const a = model('a', 'seed');
    const b = model('b', 'expert');
    const c = model('c', 'expert');
    recordLineage(catalog, b, [{ modelId: a, weight: 1 }]);
    recordLineage(catalog, c, [{ modelId: b, weight: 1 }]);
    // a has no parents yet; making c (a's grandchild) its parent would close a loop.
    expect(() => recordLineage(catalog, a, [{ modelId: c, weight: 1 }])).toThrow(/its own ancestor/);
    catalog.close();
  });
});
