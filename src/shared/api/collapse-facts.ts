// How a collapsed model was made, as the catalog keeps it beside the model (models.collapse_json, from the
// collapse job): the merge method with its settings and where the weights came from. The heatmap and `grove eval`
// say it beside the model's scores, so a person comparing the forest's collapses can tell them apart.
import { z } from 'zod';
import { MergeMethodName, MergeSettings } from './merge-methods';

export const CollapseFacts = z.object({
  method: MergeMethodName,
  settings: MergeSettings,
  /** uniform, manual (the person's), or posterior (the cached prior of `target`). */
  weights: z.enum(['uniform', 'manual', 'posterior']),
  /** The posterior's target ('mix', 'domain:law', ...); null for the other weights. */
  target: z.string().nullable(),
});
export type CollapseFacts = z.output<typeof CollapseFacts>;

const WEIGHTS = { uniform: 'uniform weights', manual: 'manual weights', posterior: 'posterior weights' } as const;

/** "ties (density 0.5), posterior weights on mix" */
export function collapseText(c: CollapseFacts): string {
  const settings = Object.entries(c.settings).map(([k, v]) => `${k} ${String(v)}`);
  const method = settings.length > 0 ? `${c.method} (${settings.join(', ')})` : c.method;
  return `${method}, ${WEIGHTS[c.weights]}${c.target ? ` on ${c.target}` : ''}`;
}
