// Which sub-folders of `grove bench btm --domains DIR` train an expert and which are held out: every visible
// sub-folder is a domain (sorted by name, so the experts' order and the tables do not depend on the file
// system), those named by --held-out are the out-of-domain columns, the rest train. Refused with the reason:
// a DIR that is not a folder, a held-out name that is not one of its sub-folders, too few training domains.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';

export interface DomainSelection {
  train: string[];
  heldOut: string[];
}

/** The control's parts are named random-1, random-2, ...: a domain of that name would be mistaken for one. */
const CONTROL_NAME = /^random-\d+$/;

/** Visible sub-folders of `root`, sorted (hidden ones, like .git, are never domains, as ingestion ignores them). */
export function domainFolderNames(root: string): string[] {
  const info = statSync(root, { throwIfNoEntry: false });
  if (!info?.isDirectory()) {
    throw new GroveError(
      'not_found',
      `BTM benchmark: --domains ${root} ${info ? 'is a file' : 'does not exist'}; give a folder whose sub-folders are the domains (one folder of documents per domain).`,
      { path: root },
    );
  }
  return readdirSync(root, { withFileTypes: true })
    .filter(
      (e) =>
        !e.name.startsWith('.') &&
        (e.isDirectory() || (e.isSymbolicLink() && statSync(join(root, e.name), { throwIfNoEntry: false })?.isDirectory())),
    )
    .map((e) => e.name)
    .sort();
}

export function selectDomains(root: string, heldOut: readonly string[]): DomainSelection {
  const names = domainFolderNames(root);
  if (names.length === 0)
    throw new GroveError(
      'bad_input',
      `BTM benchmark: ${root} has no sub-folders; put each domain's documents in a folder of its own inside it (for example ${join(root, 'letters')}, ${join(root, 'manuals')}).`,
      { path: root },
    );
  const clash = names.find((n) => CONTROL_NAME.test(n));
  if (clash)
    throw new GroveError(
      'bad_input',
      `BTM benchmark: the sub-folder "${clash}" of ${root} has the name the random-split control's parts take; rename it (for example to "${clash.replace('-', '_')}").`,
      { domain: clash },
    );
  const twice = heldOut.find((n, i) => heldOut.indexOf(n) !== i);
  if (twice)
    throw new GroveError('bad_input', `BTM benchmark: --held-out names "${twice}" twice; name each held-out domain once.`, {
      domain: twice,
    });
  const missing = heldOut.filter((n) => !names.includes(n));
  if (missing.length > 0) {
    throw new GroveError(
      'bad_input',
      `BTM benchmark: --held-out ${missing.map((n) => `"${n}"`).join(', ')} ${missing.length === 1 ? 'is not a sub-folder' : 'are not sub-folders'} of ${root}; its sub-folders are ${names.join(', ')}.`,
      { missing, available: names },
    );
  }
  return { train: names.filter((n) => !heldOut.includes(n)), heldOut: [...heldOut] };
}
