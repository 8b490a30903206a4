// Folder and export paths confined to roots, through symlinks, in folders the test builds (with links out of them).
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside, PathRoots } from '../../../src/app/api/path-roots';
import { tempDir } from '../../helpers/tmp';

const dir = realpathSync(tempDir()); // the real path, so expected paths compare as the resolved ones (macOS /var -> /private/var)
const root = join(dir, 'docs');
const home = join(dir, 'home');
const outside = join(dir, 'etc');
mkdirSync(join(root, 'law'), { recursive: true });
mkdirSync(home, { recursive: true });
mkdirSync(outside, { recursive: true });
writeFileSync(join(outside, 'shadow'), 'root:$6$secret');
symlinkSync(outside, join(root, 'escape')); // a link inside the root that leads out of it
symlinkSync(join(outside, 'new-file'), join(root, 'dangling')); // a link to a file an export would create outside
symlinkSync(join(root, 'law'), join(dir, 'law-link')); // a link outside the root that leads into it

const confined = PathRoots.confinedTo([root, home]);

describe('isInside', () => {
  it('is the folder itself or below it, never a sibling with the same prefix', () => {
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c')).toBe(false);
  });
});

describe('folders the API reads', () => {
  it('takes a folder inside a root, and one that leads into a root through a link (as its real path)', () => {
    expect(confined.folder(join(root, 'law'))).toBe(join(root, 'law'));
    expect(confined.folder(join(dir, 'law-link'))).toBe(join(root, 'law'));
  });

  it('refuses a folder outside the roots, naming it and the roots', () => {
    expect(() => confined.folder(outside)).toThrow(
      expect.objectContaining({
        code: 'forbidden',
        message: expect.stringMatching(new RegExp(`${outside} is outside the folders this server may use: ${root}, ${home}.*--allow-root`)),
      }),
    );
    expect(() => confined.folder('/')).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => confined.folder(join(root, '..', 'etc'))).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('refuses a link inside a root that leads out of it, saying where it leads', () => {
    expect(() => confined.folder(join(root, 'escape'))).toThrow(
      expect.objectContaining({ code: 'forbidden', message: expect.stringContaining(`(it leads to ${outside})`) }),
    );
  });

  it('says a missing folder is missing, confined or not', () => {
    expect(() => confined.folder(join(root, 'nope'))).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => PathRoots.unrestricted().folder(join(root, 'nope'), 'model folder', 'Choose a model folder.')).toThrow(
      /is not a folder on this machine\. Choose a model folder\./,
    );
  });

  it('leaves any folder to an unrestricted service, as given', () => {
    expect(PathRoots.unrestricted().folder(outside)).toBe(outside);
    expect(PathRoots.unrestricted().folder(join(root, 'escape'))).toBe(join(root, 'escape'));
  });

  it('refuses a root that is not a folder', () => {
    expect(() => PathRoots.confinedTo([join(dir, 'missing')])).toThrow(
      expect.objectContaining({ code: 'not_found', message: expect.stringContaining('--allow-root') }),
    );
    expect(() => PathRoots.confinedTo([])).toThrow(expect.objectContaining({ code: 'bad_input' }));
  });
});

describe('export destinations', () => {
  it('takes a new file or folder inside a root, or in the forest’s exports folder (made later)', () => {
    expect(confined.destination(join(root, 'out', 'model.gguf'), home)).toBe(join(root, 'out', 'model.gguf'));
    expect(confined.destination(join(home, 'exports', 'news-hf'), home)).toBe(join(home, 'exports', 'news-hf'));
  });

  it('refuses one outside the roots, through a link, or through a link that leads nowhere yet', () => {
    expect(() => confined.destination(join(outside, 'shadow'), home)).toThrow(
      expect.objectContaining({ code: 'forbidden', message: expect.stringContaining('export destination') }),
    );
    expect(() => confined.destination(join(root, 'escape', 'shadow'), home)).toThrow(
      expect.objectContaining({ code: 'forbidden', message: expect.stringContaining(`leads to ${join(outside, 'shadow')}`) }),
    );
    expect(() => confined.destination(join(root, 'dangling'), home)).toThrow(
      expect.objectContaining({ code: 'forbidden', message: expect.stringContaining('leads nowhere') }),
    );
  });

  it('never writes over the forest’s own files, confined or not', () => {
    for (const paths of [confined, PathRoots.unrestricted()]) {
      expect(() => paths.destination(join(home, 'catalog.sqlite'), home)).toThrow(
        expect.objectContaining({ code: 'forbidden', message: expect.stringContaining("forest's own files") }),
      );
      expect(() => paths.destination(join(home, 'exports'), home)).toThrow(expect.objectContaining({ code: 'forbidden' }));
      expect(() => paths.destination(home, home)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    }
  });

  it('wants an absolute path', () => {
    expect(() => PathRoots.unrestricted().destination('model.gguf', home)).toThrow(expect.objectContaining({ code: 'bad_input' }));
  });
});
