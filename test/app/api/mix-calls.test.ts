// Saved mixes through the service: checked when saved (a name that would hide `forest` or a model, by name or
// id; models that do not exist or are still training), listed with the models they resolve to, and a mix whose
// model was removed listed with the problem, no longer offered by the endpoint, refused when called.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { Catalog } from '../../../src/app/catalog/catalog';
import { findModel, setModelStatus } from '../../../src/app/catalog/models';
import { catalogPath } from '../../../src/app/home';
import { GroveError } from '../../../src/shared/api/errors';
import { writeTinyForest, type TinyForest } from '../../helpers/chat-forest';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let forest: TinyForest;
let service: GroveService;

async function thrown(call: () => Promise<unknown>): Promise<GroveError> {
  try {
    await call();
  } catch (err) {
    if (err instanceof GroveError) return err;
    throw err;
  }
  throw new Error('it did not throw');
}

beforeAll(async () => {
  forest = await writeTinyForest(dir, ['law', 'med', 'draft']);
  const catalog = Catalog.open(catalogPath(forest.home));
  setModelStatus(catalog, findModel(catalog, 'draft')!.id, 'training');
  catalog.close();
  service = new GroveService({ forestHome: forest.home, transport: 'http' });
});
afterAll(() => service?.close());

describe('saved mixes through the service', () => {
  it('refuses a mix that would hide a name or could not run, saying why', async () => {
    expect((await thrown(() => service.saveMix({ name: 'forest', mix: { kind: 'auto' } }))).message).toMatch(
      /already names the whole forest/,
    );
    expect((await thrown(() => service.saveMix({ name: 'med', mix: { kind: 'auto' } }))).code).toBe('conflict');
    const lawId = forest.experts.find((e) => e.name === 'law')!.id;
    expect((await thrown(() => service.saveMix({ name: String(lawId), mix: { kind: 'auto' } }))).message).toMatch(
      /names model law \(by its id\)/,
    );
    expect((await thrown(() => service.saveMix({ name: 'x', mix: { kind: 'manual', weights: { draft: 1 } } }))).message).toMatch(
      /draft is still training/,
    );
    expect((await thrown(() => service.saveMix({ name: 'x', mix: { kind: 'manual', weights: { ghost: 1 } } }))).code).toBe('not_found');
    expect(await service.mixes({})).toEqual([]);
  });

  it('lists a mix with its models, and with the problem once a model of it is removed', async () => {
    const saved = await service.saveMix({ name: 'pair', mix: { kind: 'manual', weights: { law: 1, med: 1 } } });
    expect(saved).toMatchObject({
      name: 'pair',
      mix: { kind: 'manual', weights: { law: 1, med: 1 } },
      models: ['law', 'med'],
      problem: null,
    });
    await service.saveMix({ name: 'top-one', mix: { kind: 'auto', topK: 1 } });
    expect((await service.mixes({})).map((m) => [m.name, m.models])).toEqual([
      ['pair', ['law', 'med']],
      ['top-one', ['law', 'med']],
    ]);

    await service.removeModel({ model: 'med' });
    const pair = (await service.mixes({})).find((m) => m.name === 'pair')!;
    expect(pair.models).toEqual([]);
    expect(pair.problem).toMatch(/med/);
    expect(service.completions.models().map((m) => m.name)).toEqual(['forest', 'top-one', forest.seed, 'law']);
    expect(() => service.completions.resolve('pair')).toThrow(/med/);
    expect(await service.removeMix({ name: 'pair' })).toEqual({ removed: true });
    expect(await service.removeMix({ name: 'pair' })).toEqual({ removed: false });
  });
});
