// What the person makes of discovered clusters (issue 18): each cluster named, kept or dropped, or merged into
// another; turned here into the domains growDiscovered grows (a merged cluster joins its target's domain). Pure,
// so the rules (a merge into a dropped or merged cluster, a name twice, no domain left) are tested alone.
import { nameProblem } from '../../../shared/api/names';
import type { DiscoveredDomain, DiscoveryView } from '../../../shared/api/schemas-discover';

export interface ClusterChoice {
  name: string;
  keep: boolean;
  /** The cluster (index) this one joins; null: a domain of its own. */
  mergeInto: number | null;
}

/** Every cluster kept as its own domain, named by its heaviest term (a valid name; "cluster-N" otherwise). */
export function initialChoices(discovery: DiscoveryView): ClusterChoice[] {
  const used = new Set<string>();
  return discovery.clusters.map((c, i) => {
    const term = (c.topTerms.find((t) => !used.has(t) && nameProblem(t) === undefined) ?? '').slice(0, 64);
    const name = term || `cluster-${i + 1}`;
    used.add(name);
    return { name, keep: true, mergeInto: null };
  });
}

/** The clusters another can merge into: kept and not merged themselves. */
export function mergeTargets(choices: readonly ClusterChoice[], from: number): number[] {
  return choices.flatMap((c, i) => (i !== from && c.keep && c.mergeInto === null ? [i] : []));
}

/** The domains to grow, or why the choices cannot be grown (one sentence). */
export function domainsOfChoices(choices: readonly ClusterChoice[]): { domains: DiscoveredDomain[] } | { problem: string } {
  const domains = new Map<number, number[]>();
  for (const [i, c] of choices.entries()) {
    if (!c.keep) continue;
    if (c.mergeInto === null) {
      domains.set(i, [i, ...(domains.get(i) ?? [])]);
      continue;
    }
    const target = choices[c.mergeInto];
    if (!target?.keep || target.mergeInto !== null)
      return {
        problem: `Cluster ${i + 1} merges into cluster ${c.mergeInto + 1}, which is dropped or merged itself: merge it into a kept cluster.`,
      };
    domains.set(c.mergeInto, [...(domains.get(c.mergeInto) ?? []), i]);
  }
  if (domains.size === 0) return { problem: 'Every cluster is dropped: keep at least one to grow an expert on.' };
  const names = new Set<string>();
  const out: DiscoveredDomain[] = [];
  for (const [owner, clusters] of [...domains].sort(([a], [b]) => a - b)) {
    const name = choices[owner]!.name.trim();
    const problem = nameProblem(name);
    if (problem) return { problem: `Cluster ${owner + 1}'s name cannot name a domain: ${problem}.` };
    if (names.has(name)) return { problem: `“${name}” names two domains: merge those clusters instead, or rename one.` };
    names.add(name);
    out.push({ name, clusters: [...clusters].sort((a, b) => a - b) });
  }
  return { domains: out };
}
