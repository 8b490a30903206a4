// Which models a new expert can branch from, and whether a light one then averages light parents (so that it
// has a start to choose: their average exactly, or at its own rank by truncated SVD). One answer for New expert
// and for the experts a discovery grows, as the engine's branch gives one answer for both.
import type { ForestSummary } from '../../../shared/api';

type Model = ForestSummary['models'][number];

/**
 * Every ready model that is not the seed (the seed is always an option). The dense baseline is no branch
 * parent: it was trained to judge the forest by, not on a domain of its own.
 */
export function branchableModels(summary: ForestSummary | null): Model[] {
  return summary?.models.filter((m) => m.role !== 'seed' && m.role !== 'baseline' && m.status === 'ready') ?? [];
}

/** A light expert averages light experts only: it has a start to choose when there are some and it does not start from the seed. */
export function averagesLightParents(init: 'posterior' | 'seed' | 'nearest', branchable: readonly Model[]): boolean {
  return init !== 'seed' && branchable.some((m) => m.kind === 'light');
}
