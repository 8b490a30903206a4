// The merge methods a collapse can use (mergekit's names; the engine's units are in
// src/engine/forest/merge/registry.ts, kept equal to this list by a test) and the parameters a person sets.
import { z } from 'zod';

export const MERGE_METHOD_NAMES = ['linear', 'task_arithmetic', 'ties', 'dare_linear', 'dare_ties', 'slerp'] as const;
export const MergeMethodName = z.enum(MERGE_METHOD_NAMES);
export type MergeMethodName = z.output<typeof MergeMethodName>;

/** A method's settings beyond the weights (one density for every model, as the app and CLI offer it). */
export const MergeSettings = z
  .object({
    /** TIES/DARE: the share of each task vector kept. */
    density: z.number().min(0).max(1).optional(),
    /** SLERP: how far from the first model towards the second. */
    t: z.number().min(0).max(1).optional(),
    /** Divide by the weights that took part (each method has its own default). */
    normalize: z.boolean().optional(),
    /** DARE's random drop: the same seed gives the same model. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .strict();
export type MergeSettings = z.output<typeof MergeSettings>;

/** What the app shows of a method: what it does, what it needs, and each setting in one line. */
export const MergeMethodView = z.object({
  name: MergeMethodName,
  description: z.string(),
  paper: z.object({ title: z.string(), url: z.string() }),
  needsBase: z.boolean(),
  models: z.object({ min: z.number().int(), max: z.number().int().nullable() }),
  settings: z.array(z.object({ name: z.string(), description: z.string(), default: z.union([z.number(), z.boolean()]).nullable() })),
});
export type MergeMethodView = z.output<typeof MergeMethodView>;
