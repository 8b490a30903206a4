// A folder: prior target goes through the service's folder roots like every folder the API is given.
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PathRoots } from '../../../src/app/api/path-roots';
import { targetText } from '../../../src/app/api/prior-target';
import { Catalog } from '../../../src/app/catalog/catalog';
import { catalogPath } from '../../../src/app/home';
import { tempDir } from '../../helpers/tmp';

const dir = realpathSync(tempDir());
const home = join(dir, 'home');
mkdirSync(join(dir, 'docs', 'law'), { recursive: true });
mkdirSync(join(dir, 'etc'));
mkdirSync(home);
symlinkSync(join(dir, 'etc'), join(dir, 'docs', 'escape'));
const catalog = Catalog.open(catalogPath(home));
afterAll(() => catalog.close());
const confined = PathRoots.confinedTo([join(dir, 'docs')]);

describe('targetText for folder: targets', () => {
  it('reads a folder inside the roots (by its real path)', () => {
    expect(targetText(catalog, home, 1, `folder:${join(dir, 'docs', 'law')}`, confined)).toMatchObject({
      kind: 'folder',
      folder: join(dir, 'docs', 'law'),
    });
  });

  it('refuses a folder outside the roots, or a link out of them', () => {
    expect(() => targetText(catalog, home, 1, `folder:${join(dir, 'etc')}`, confined)).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
    expect(() => targetText(catalog, home, 1, `folder:${join(dir, 'docs', 'escape')}`, confined)).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
  });

  it('reads any folder for an unrestricted service', () => {
    expect(targetText(catalog, home, 1, `folder:${join(dir, 'etc')}`, PathRoots.unrestricted())).toMatchObject({
      kind: 'folder',
      folder: join(dir, 'etc'),
    });
  });
});
