import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { domainFolderNames, selectDomains } from '../../../src/bench/btm/domain-folders';
import { tempDir } from '../../helpers/tmp';

function folderOf(names: string[]): string {
  const root = tempDir('grove-btm-domains-');
  for (const n of names) mkdirSync(join(root, n));
  return root;
}

describe('BTM domain folders', () => {
  it('makes every visible sub-folder a domain, sorted, and the held-out ones out-of-domain columns', () => {
    const root = folderOf(['statutes', 'code', '.git', 'verse', 'recipes']);
    writeFileSync(join(root, 'README.txt'), 'not a domain');
    symlinkSync(join(root, 'code'), join(root, 'source'));
    expect(domainFolderNames(root)).toEqual(['code', 'recipes', 'source', 'statutes', 'verse']);
    expect(selectDomains(root, ['verse', 'code'])).toEqual({ train: ['recipes', 'source', 'statutes'], heldOut: ['verse', 'code'] });
  });

  it('says what is wrong with the folder or the held-out names, and what to do', () => {
    const root = folderOf(['code', 'verse']);
    expect(() => selectDomains(join(root, 'nope'), [])).toThrow(
      /--domains .*nope does not exist; give a folder whose sub-folders are the domains/,
    );
    writeFileSync(join(root, 'file.txt'), 'x');
    expect(() => selectDomains(join(root, 'file.txt'), [])).toThrow(/is a file; give a folder/);
    expect(() => selectDomains(folderOf([]), [])).toThrow(/has no sub-folders; put each domain's documents in a folder of its own/);
    expect(() => selectDomains(root, ['poetry', 'prose'])).toThrow(
      /--held-out "poetry", "prose" are not sub-folders of .*; its sub-folders are code, verse\./,
    );
    expect(() => selectDomains(root, ['verse', 'verse'])).toThrow(/names "verse" twice/);
    expect(() => selectDomains(folderOf(['code', 'random-2']), [])).toThrow(
      /"random-2" .* has the name the random-split control's parts take; rename it \(for example to "random_2"\)/,
    );
  });
});
