// A prior target as the catalog resolves it for a worker: where its held-out text is (btm.md "Cached
// prior": a domain, a folder, or the mix of every domain), and the experts it is a prior over.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { parsePriorTarget } from '../forest/prior-store';
import { domainDir } from '../store/domains';
import { forestTokenizerDir } from '../store/init';
import type { PathRoots } from './path-roots';
import type { TargetText } from '../store/prior-job';

function trainable(statsJson: string | null): boolean {
  return statsJson !== null && (JSON.parse(statsJson) as { trainable: boolean }).trainable;
}

export function targetText(catalog: Catalog, home: string, forestId: number, target: string, paths: PathRoots): TargetText {
  const t = parsePriorTarget(target);
  const domains = catalog.domains(forestId);
  if (t === 'mix') {
    const dirs = domains.filter((d) => trainable(d.statsJson)).map((d) => domainDir(home, d.name));
    if (dirs.length === 0) throw new GroveError('not_found', 'The forest has no ingested domains to take the mix of: add a domain first.');
    return { kind: 'domains', dirs };
  }
  const [kind, value] = [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)];
  if (kind === 'domain') {
    const d = domains.find((x) => x.name === value);
    if (!d?.statsJson) throw new GroveError('not_found', `No ingested domain "${value}" in this forest.`, { domain: value });
    return { kind: 'domains', dirs: [domainDir(home, d.name)] };
  }
  if (kind === 'folder') {
    const folder = paths.folder(value);
    // Ingested once into the forest home, keyed by the folder's path: a second estimate re-reads only what changed.
    const key = createHash('sha256').update(folder).digest('hex').slice(0, 16);
    return { kind: 'folder', folder, out: join(home, 'prior-folders', key), tokenizer: join(forestTokenizerDir(home), 'tokenizer.json') };
  }
  throw new GroveError(
    'unsupported',
    `A chat's prior is estimated by the chat itself as it goes; estimate a domain:, folder: or mix prior here.`,
    { target },
  );
}
