// Saved mixes in the catalog: saved and read back through the ChatMix schema, a taken name refused unless
// replaced (keeping its row), listed by name per forest, removed; a row this Grove cannot read is null, not
// an exception.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { databaseOf } from '../../../src/app/catalog/database';
import { ensureForest } from '../../../src/app/catalog/domains';
import { findMix, listMixes, removeMix, saveMix } from '../../../src/app/catalog/mixes';
import { GroveError } from '../../../src/shared/api/errors';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('saved mixes in the catalog', () => {
  it('saves, lists by name, replaces only when asked, and removes', () => {
    const catalog = Catalog.open(join(dir, 'a.sqlite'));
    const forestId = ensureForest(catalog, 'f');
    const writer = saveMix(catalog, forestId, 'writer', { kind: 'manual', weights: { law: 0.25, med: 0.75 } });
    expect(writer).toMatchObject({ name: 'writer', mix: { kind: 'manual', weights: { law: 0.25, med: 0.75 } } });
    saveMix(catalog, forestId, 'best-two', { kind: 'auto', topK: 2 });
    expect(listMixes(catalog, forestId).map((m) => [m.name, m.mix])).toEqual([
      ['best-two', { kind: 'auto', topK: 2 }],
      ['writer', { kind: 'manual', weights: { law: 0.25, med: 0.75 } }],
    ]);

    const taken = (() => {
      try {
        saveMix(catalog, forestId, 'writer', { kind: 'auto' });
      } catch (err) {
        return err;
      }
    })();
    expect(taken).toBeInstanceOf(GroveError);
    expect((taken as GroveError).code).toBe('conflict');
    expect((taken as GroveError).message).toMatch(/already saved.*--replace/);
    expect(findMix(catalog, forestId, 'writer')!.mix).toEqual({ kind: 'manual', weights: { law: 0.25, med: 0.75 } });

    const replaced = saveMix(catalog, forestId, 'writer', { kind: 'model', model: 'law' }, { replace: true });
    expect(replaced.id).toBe(writer.id);
    expect(replaced.mix).toEqual({ kind: 'model', model: 'law' });

    expect(removeMix(catalog, forestId, 'writer')).toBe(true);
    expect(removeMix(catalog, forestId, 'writer')).toBe(false);
    expect(findMix(catalog, forestId, 'writer')).toBeNull();
    expect(listMixes(catalog, forestId).map((m) => m.name)).toEqual(['best-two']);
    catalog.close();
  });

  it('reads a stored spec it does not understand as null', () => {
    const catalog = Catalog.open(join(dir, 'b.sqlite'));
    const forestId = ensureForest(catalog, 'f');
    databaseOf(catalog)
      .prepare('INSERT INTO mixes (forest_id, name, spec_json) VALUES (?, ?, ?)')
      .run(forestId, 'future', '{"kind":"router","experts":3}');
    databaseOf(catalog).prepare('INSERT INTO mixes (forest_id, name, spec_json) VALUES (?, ?, ?)').run(forestId, 'broken', 'not json');
    expect(listMixes(catalog, forestId).map((m) => [m.name, m.mix])).toEqual([
      ['broken', null],
      ['future', null],
    ]);
    catalog.close();
  });
});
