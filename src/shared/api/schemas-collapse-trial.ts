// GroveApi's "which collapse is best" (issue 18): the chosen experts merged with each merge method that applies
// (the collapse's weights where a method takes weights, the seed as the task-vector methods' base) into
// temporary models, each scored on a bounded held-out sample of the target; the perplexities are kept so the
// app can show them and preselect the best before the person collapses with it.
import { z } from 'zod';
import { MergeMethodName, MergeSettings } from './merge-methods';
import { CollapseWeighting, PriorTargetString } from './schemas-forest';

export const CollapseTrialRow = z.object({
  method: MergeMethodName,
  /** The settings it was merged with (the method's defaults; SLERP half way). */
  settings: MergeSettings,
  loss: z.number(),
  perplexity: z.number(),
});

export const CollapseTrial = z.object({
  /** The job that ran it (the app asks for its own trial by this id). */
  jobId: z.number().int(),
  /** Whose held-out text the methods were scored on: a prior target (domain:NAME, mix, folder:PATH). */
  target: z.string(),
  /** The split read: each domain's valid split (its train split where the valid one is shorter than a window; a folder whole). */
  split: z.literal('valid'),
  contextLength: z.number().int(),
  /** Predicted tokens scored per method: the same windows for every method. */
  tokens: z.number().int(),
  /** The weights every weighted method merged with, by model. */
  weights: z.array(z.object({ name: z.string(), weight: z.number() })),
  rows: z.array(CollapseTrialRow),
  /** Methods left out, and why (SLERP merges exactly two models). */
  skipped: z.array(z.object({ method: MergeMethodName, reason: z.string() })),
  /** The method of lowest perplexity. */
  best: MergeMethodName,
  createdAt: z.string(),
});

/** The calls, merged into apiSchemas (the trial is a job: it uses the shared JobView). */
export function collapseTrialSchemas<J extends z.ZodType>(JobView: J) {
  return {
    /**
     * Merges the models (default: every ready expert) with each applicable method into temporary models (removed
     * after, or by `grove gc` after a crash) and scores each on `target`'s held-out text (default: the posterior's
     * target, else the mix of every domain). The result is read with collapseTrial.
     */
    tryCollapseMethods: {
      input: z
        .object({
          models: z.array(z.string().min(1).max(200)).min(2).max(64).optional(),
          weighting: CollapseWeighting,
          target: PriorTargetString.optional(),
        })
        .strict(),
      output: JobView,
    },
    /** The trial a job stored (default: the forest's newest); null when there is none. */
    collapseTrial: { input: z.object({ jobId: z.number().int().optional() }).strict(), output: CollapseTrial.nullable() },
  } as const;
}

export type CollapseTrialRow = z.output<typeof CollapseTrialRow>;
export type CollapseTrial = z.output<typeof CollapseTrial>;
