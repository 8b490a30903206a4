import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { ensureForest } from '../../../src/app/catalog/domains';
import { insertModel } from '../../../src/app/catalog/models';
import { listPriors, loadPrior, parsePriorTarget, priorTarget, savePrior } from '../../../src/app/forest/prior-store';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

function forestWithModels(file: string, names: string[]): { catalog: Catalog; forestId: number; ids: number[] } {
  const catalog = Catalog.open(join(dir, file));
  const forestId = ensureForest(catalog, 'f');
  const ids = names.map((name, i) =>
    insertModel(catalog, {
      forestId,
      name,
      role: i === 0 ? 'seed' : 'expert',
      weightsSha256: `sha${i}`,
      weightsBytes: 1,
      architectureJson: '{}',
      tokenizerSha256: 'tok',
    }),
  );
  return { catalog, forestId, ids };
}

describe('prior store', () => {
  it('round-trips a prior through the catalog, keyed by forest and target, and replaces it', () => {
    const { catalog, forestId, ids } = forestWithModels('a.sqlite', ['seed', 'law', 'med']);
    const target = priorTarget.domain('law');
    const saved = savePrior(catalog, { forestId, target, modelIds: [ids[1]!, ids[2]!], weights: [3, 1], sequences: 100 });
    expect(saved).toMatchObject({ forestId, target: 'domain:law', modelIds: [ids[1], ids[2]], weights: [0.75, 0.25], sequences: 100 });
    expect(typeof saved.createdAt).toBe('string');

    catalog.close();
    const reopened = Catalog.open(join(dir, 'a.sqlite'));
    expect(loadPrior(reopened, forestId, 'domain:law')).toEqual(saved);
    expect(loadPrior(reopened, forestId, 'mix')).toBeNull();

    savePrior(reopened, { forestId, target: 'mix', modelIds: [ids[2]!, ids[1]!], weights: [0.5, 0.5], sequences: 40 });
    savePrior(reopened, { forestId, target, modelIds: [ids[1]!, ids[2]!], weights: [0.1, 0.9], sequences: 60 });
    expect(loadPrior(reopened, forestId, target)).toMatchObject({ weights: [0.1, 0.9], sequences: 60 });
    expect(listPriors(reopened, forestId).map((p) => p.target)).toEqual(['domain:law', 'mix']);
    reopened.close();
  });

  it('refuses bad targets, unknown models, duplicates and bad weights', () => {
    const { catalog, forestId, ids } = forestWithModels('b.sqlite', ['seed', 'x']);
    expect(parsePriorTarget('folder:/home/me/notes')).toBe('folder:/home/me/notes');
    expect(() => parsePriorTarget('domain:')).toThrow(/not one of domain:NAME/);
    expect(() => parsePriorTarget('chat:abc')).toThrow(/chat:ID/);
    expect(() => parsePriorTarget('everything')).toThrow(/not one of/);
    expect(() => savePrior(catalog, { forestId, target: 'mix', modelIds: [ids[1]!, 999], weights: [1, 1], sequences: 1 })).toThrow(
      /model 999 is not in forest/,
    );
    expect(() => savePrior(catalog, { forestId, target: 'mix', modelIds: [ids[1]!, ids[1]!], weights: [1, 1], sequences: 1 })).toThrow(
      /listed twice/,
    );
    expect(() => savePrior(catalog, { forestId, target: 'mix', modelIds: [ids[1]!], weights: [1, 2], sequences: 1 })).toThrow(
      /1 experts but 2 weights/,
    );
    expect(() =>
      savePrior(catalog, { forestId, target: 'mix', modelIds: [ids[0]!, ids[1]!], weights: [0, Number.NaN], sequences: 1 }),
    ).toThrow(/weight of model \d+ is NaN/);
    expect(loadPrior(catalog, forestId, 'mix')).toBeNull();
    catalog.close();
  });
});
