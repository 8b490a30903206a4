// A folder's stored discovery and the domains a person made of its clusters, as growDiscovered and the
// per-domain estimate before it (discover-estimate.ts) both read them: each name once, each cluster in at most
// one domain, every cluster one the discovery found.
import { existsSync, readFileSync } from 'node:fs';
import { GroveError } from '../../shared/api/errors';
import type { DiscoveredDomain } from '../../shared/api/schemas-discover';
import type { StoredDiscovery } from '../store/discover-job';
import { discoverDir, discoveryFile } from '../store/discover-dir';

/** The folder's last discovery, or null before its job has finished. */
export function storedDiscovery(home: string, folder: string): StoredDiscovery | null {
  const file = discoveryFile(discoverDir(home, folder));
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as StoredDiscovery;
}

/** The folder's discovery, refused when there is none yet. */
export function requireDiscovery(home: string, folder: string): StoredDiscovery {
  const stored = storedDiscovery(home, folder);
  if (!stored) throw new GroveError('not_found', `No domains were discovered in ${folder} yet: discover them first.`, { folder });
  return stored;
}

/** The domain each cluster goes to (null: dropped), refusing a name twice, a cluster twice and a cluster not found. */
export function clusterDomainsOf(stored: StoredDiscovery, domains: readonly DiscoveredDomain[]): (string | null)[] {
  const clusterDomain: (string | null)[] = stored.clusters.map(() => null);
  const names = new Set<string>();
  for (const d of domains) {
    if (names.has(d.name))
      throw new GroveError('bad_input', `The name "${d.name}" is given to two domains; merge their clusters into one domain instead.`, {
        name: d.name,
      });
    names.add(d.name);
    for (const c of d.clusters) {
      if (c >= stored.clusters.length)
        throw new GroveError('bad_input', `There is no cluster ${c + 1}: the discovery found ${stored.clusters.length}.`, { cluster: c });
      if (clusterDomain[c] !== null)
        throw new GroveError(
          'bad_input',
          `Cluster ${c + 1} is in two domains ("${clusterDomain[c]}" and "${d.name}"); give each cluster to one domain.`,
          {
            cluster: c,
          },
        );
      clusterDomain[c] = d.name;
    }
  }
  return clusterDomain;
}

/** A domain's member files (paths relative to the folder), its clusters' members together, sorted. */
export const membersOf = (stored: StoredDiscovery, domain: DiscoveredDomain): string[] =>
  domain.clusters.flatMap((c) => stored.members[c]!).sort();
