// Resolving a mix against the catalog: the forest's experts (or its seed), the first stored and current
// prior among the targets (auto), a stored prior or an error naming `grove prior` (cached), manual
// weights (fixed, zero weights left out), top-k by prior, and model folders outside any forest.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { databaseOf } from '../../../src/app/catalog/database';
import { insertModel, modelById } from '../../../src/app/catalog/models';
import { forestSeed } from '../../../src/app/forest/experts';
import { savePrior } from '../../../src/app/forest/prior-store';
import { catalogPath } from '../../../src/app/home';
import { DEFAULT_POSTERIOR_WINDOW, resolveMix } from '../../../src/app/infer/mix';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let forest: TinyForest;
let bare: TinyForest;
let catalog: Catalog;

beforeAll(async () => {
  forest = await writeTinyForest(join(dir, 'a'), ['law', 'med']);
  bare = await writeTinyForest(join(dir, 'b'), []);
  catalog = Catalog.open(catalogPath(forest.home));
});
afterAll(() => catalog?.close());

describe('resolveMix', () => {
  it('mixes the ready experts under the uniform prior by default, with the windowed context posterior', () => {
    const r = resolveMix(catalog, forest.home, {});
    expect(r.models).toEqual(['law', 'med']);
    expect(r.prior).toBe('uniform');
    expect(r.mix).toMatchObject({
      kind: 'ensemble',
      prior: [0.5, 0.5],
      weighting: { kind: 'posterior', posterior: 'context', window: DEFAULT_POSTERIOR_WINDOW, topK: null },
    });
    expect(resolveMix(catalog, forest.home, { topK: 1 }).mix).toMatchObject({ weighting: { topK: { k: 1, by: 'prior' } } });
    expect(resolveMix(catalog, forest.home, { topK: 5 }).mix).toMatchObject({ weighting: { topK: null } });
    expect(resolveMix(catalog, forest.home, { posterior: 'last-token' }).mix).toMatchObject({
      weighting: { posterior: 'last-token', window: null },
    });
  });

  it('chats with the seed alone when the forest has no expert yet', () => {
    const c = Catalog.open(catalogPath(bare.home));
    try {
      const r = resolveMix(c, bare.home, {});
      expect(r).toMatchObject({ models: [bare.seed], prior: 'model', mix: { kind: 'single', model: { name: bare.seed } } });
    } finally {
      c.close();
    }
  });

  it('takes the first stored prior among the targets, skips a stale one under auto, and refuses it when asked for', () => {
    const [law, med] = forest.experts;
    savePrior(catalog, { forestId: forest.forestId, target: 'mix', modelIds: [law!.id, med!.id], weights: [3, 1], sequences: 100 });
    expect(resolveMix(catalog, forest.home, { targets: ['chat:7', 'mix'] })).toMatchObject({ prior: 'mix', mix: { prior: [0.75, 0.25] } });
    savePrior(catalog, { forestId: forest.forestId, target: 'chat:7', modelIds: [med!.id, law!.id], weights: [0.9, 0.1], sequences: 100 });
    expect(resolveMix(catalog, forest.home, { targets: ['chat:7', 'mix'] }).mix).toMatchObject({
      prior: [expect.closeTo(0.1, 12), expect.closeTo(0.9, 12)],
    });
    expect(() => resolveMix(catalog, forest.home, { prior: 'cached', targets: ['domain:poetry'] })).toThrow(
      /No prior is stored for domain:poetry\. Estimate one with `grove prior --target domain:poetry`/,
    );
    expect(() => resolveMix(catalog, forest.home, { prior: 'cached', targets: ['chat:9'] })).toThrow(
      /No prior is stored for chat:9\. Estimate one with `grove prior --target mix`/,
    );

    // A third expert joins: both priors predate it.
    const seedSha = modelById(catalog, forestSeed(catalog, forest.forestId).id).weightsSha256!;
    insertModel(catalog, {
      forestId: forest.forestId,
      name: 'poetry',
      role: 'expert',
      weightsSha256: seedSha,
      weightsBytes: 1,
      architectureJson: '{}',
      tokenizerSha256: null,
    });
    expect(resolveMix(catalog, forest.home, { targets: ['chat:7', 'mix'] })).toMatchObject({
      prior: 'uniform',
      models: ['law', 'med', 'poetry'],
    });
    expect(() => resolveMix(catalog, forest.home, { prior: 'cached', targets: ['mix'] })).toThrow(
      /estimated before model \d+ joined the forest/,
    );
    // Gone without a trace for the next tests (the app only ever marks a model removed).
    databaseOf(catalog).prepare("DELETE FROM models WHERE name = 'poetry'").run();
  });

  it('uses manual weights as a fixed mixture, leaving out models of weight 0', () => {
    expect(resolveMix(catalog, forest.home, { weights: { law: 2, med: 1 } })).toMatchObject({
      prior: 'manual',
      models: ['law', 'med'],
      mix: { kind: 'ensemble', prior: [2, 1], weighting: { kind: 'fixed' } },
    });
    expect(resolveMix(catalog, forest.home, { weights: { law: 0, med: 1 } })).toMatchObject({ models: ['med'], mix: { kind: 'single' } });
    expect(() => resolveMix(catalog, forest.home, { weights: { law: 0 } })).toThrow(/every weight is 0/);
    expect(() => resolveMix(catalog, forest.home, { models: ['law', 'nope'] })).toThrow(/No model named "nope" in this forest/);
  });

  it('runs model folders without any forest, uniform or manual only', () => {
    const folder = { name: '/x/m', key: '/x/m', folder: '/x/m' };
    expect(resolveMix(null, '/nowhere', {}, [folder])).toMatchObject({ mix: { kind: 'single', model: folder } });
    const two = resolveMix(null, '/nowhere', {}, [folder, { ...folder, name: '/x/n', key: '/x/n' }]);
    expect(two).toMatchObject({ prior: 'uniform', mix: { prior: [0.5, 0.5] } });
    expect(() => resolveMix(null, '/nowhere', { prior: 'cached' }, [folder, { ...folder, name: '/x/n' }])).toThrow(
      /cached prior covers models of the forest only/,
    );
    expect(() => resolveMix(null, '/nowhere', { models: ['law'] })).toThrow(/There is no forest in \/nowhere/);
  });
});
