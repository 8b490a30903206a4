// Whether the forest's experts can be scored as a cluster-routed ensemble (c-BTM), and which: the experts its
// clusterer routes to, when each is a ready model of the forest and there are two or more. The forest's summary
// says so (the Evaluate choice is offered or disabled with the reason), and the evaluation's plan refuses by it.
import { GroveError } from '../../shared/api/errors';
import type { ForestSummary } from '../../shared/api/schemas';
import type { Catalog } from '../catalog/catalog';
import { readyModelNames } from '../catalog/models';
import { clustererExperts, noClustererError } from '../forest/clusterer-store';

export type ClusterRouting = NonNullable<ForestSummary['clusterRouting']>;

/** The forest's cluster routing: its routed experts and why they cannot be scored together (null when they can); null without a clusterer. */
export function clusterRoutingOf(catalog: Catalog, home: string, forestId: number): ClusterRouting | null {
  let experts: string[] | null;
  try {
    experts = clustererExperts(home);
  } catch (err) {
    // A damaged clusterer is said where the choice is, not by failing the whole summary.
    if (!(err instanceof GroveError)) throw err;
    return { experts: [], problem: err.message };
  }
  if (!experts) return null;
  const ready = new Set(readyModelNames(catalog, forestId));
  const missing = experts.filter((e) => !ready.has(e));
  if (missing.length > 0)
    return {
      experts,
      problem: `The forest's clusterer routes to ${missing.map((m) => `“${m}”`).join(', ')}, not a ready model of this forest (removed, or still training).`,
    };
  if (experts.length < 2)
    return {
      experts,
      problem: `The forest's clusterer routes to one expert only (“${experts[0] ?? ''}”): a routed ensemble needs two or more. Discover domains again and grow two or more.`,
    };
  return { experts, problem: null };
}

/** The routed experts' names, or why they cannot be scored: no clusterer, or the problem clusterRoutingOf found. */
export function routedExpertsToScore(catalog: Catalog, home: string, forestId: number): string[] {
  const routing = clusterRoutingOf(catalog, home, forestId);
  if (!routing) throw noClustererError('or evaluate without cluster routing');
  if (routing.problem) throw new GroveError('conflict', routing.problem, { experts: routing.experts });
  return routing.experts;
}
