// "Which collapse is best" (issue 18), in a worker: the chosen models merged with each merge method that applies
// (the collapse's weights where the method takes weights; the seed as the task-vector methods' base) into a
// temporary model, each scored on the same bounded held-out sample of the target, then removed. A temporary
// merge is an `.incoming-<pid>-` folder of the store, so one left by a crash is `grove gc`'s to delete.
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { MergeMethodName, MergeSettings } from '../../shared/api/merge-methods';
import type { CollapseTrial, CollapseTrialRow } from '../../shared/api/schemas-collapse-trial';
import { interleavedWindows, scoreWindows } from '../../engine/eval/perplexity';
import { mergeModels } from '../../engine/forest/merge/merge-models';
import { crashPoint } from '../jobs/crash-point';
import type { JobContext } from '../jobs/protocol';
import { normaliseWeights } from '../../engine/model/average';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { CollapseJobPayload, collapseWeights, mergeInputs, mergeRequest } from './collapse-job';
import { incomingFolder, storedModelFolder } from './model-store';
import { StoredRef, targetShards, TargetText, type HeldOutShard } from './prior-job';
import { lightBaseOf } from './stored-scorers';

export const CollapseTrialJobPayload = z
  .object({
    models: z.array(StoredRef).min(2),
    weighting: CollapseJobPayload.shape.weighting,
    /** The forest's seed, for the task-vector methods (null when none of them is tried). */
    base: StoredRef.nullable(),
    methods: z.array(z.object({ method: MergeMethodName, settings: MergeSettings }).strict()).min(1),
    /** Methods left out by the owner, and why: passed through to the trial. */
    skipped: z.array(z.object({ method: MergeMethodName, reason: z.string() }).strict()),
    target: z.string(),
    text: TargetText,
    contextLength: z.number().int().positive(),
    batchSize: z.number().int().positive().default(4),
    /** Predicted tokens scored per method (the same windows for every method). */
    maxTokens: z.number().int().positive(),
  })
  .strict();
export type CollapseTrialJobPayload = z.input<typeof CollapseTrialJobPayload>;

export interface CollapseTrialRecord {
  kind: 'collapse-trial';
  trial: Omit<CollapseTrial, 'jobId' | 'createdAt'>;
}

/** Merges with one method into a temporary folder of the store, scores it on the held-out windows, and removes it whatever happens. */
async function scoreMerge(
  home: string,
  request: Parameters<typeof mergeRequest>,
  files: HeldOutShard[],
  p: z.output<typeof CollapseTrialJobPayload>,
): Promise<{ loss: number; tokens: number }> {
  const folder = incomingFolder(home);
  try {
    await mergeModels({ ...mergeRequest(...request), outFolder: folder });
    crashPoint('merged:collapse-trial');
    const model = await LlamaModel.open(folder);
    try {
      const { nll, count } = await scoreWindows(model, interleavedWindows(files, p.contextLength), {
        contextLength: p.contextLength,
        batchSize: p.batchSize,
        maxTokens: p.maxTokens,
      });
      return { loss: nll / Math.max(1, count), tokens: count };
    } finally {
      await model.close();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export async function runCollapseTrialJob(input: unknown, ctx: JobContext): Promise<CollapseTrialRecord | null> {
  const p = CollapseTrialJobPayload.parse(input);
  const home = ctx.forestHome;
  const total = p.methods.length + 1;
  ctx.progress({ done: 0, total });
  const { used } = await collapseWeights(p, ctx);
  const bases = await Promise.all(used.map(({ ref }) => lightBaseOf(storedModelFolder(home, ref.sha256))));
  if (bases.some((b) => b !== null))
    throw new GroveError(
      'unsupported',
      'Light experts collapse only by their weighted average (linear), exactly, so there are no methods to compare: collapse them with linear, or choose full models to compare the methods on.',
    );
  // Every method merges the same weights (renormalised: the weighted methods read them as given).
  const weights = normaliseWeights(used.map((u) => u.weight));
  const inputs = mergeInputs(
    home,
    used.map((u, j) => ({ ref: u.ref, weight: weights[j]! })),
  );
  const files = await targetShards(p.text, p.contextLength, ctx.signal, ctx.log);
  ctx.progress({ done: 1, total });
  const rows: CollapseTrialRow[] = [];
  let tokens = 0;
  for (const [i, m] of p.methods.entries()) {
    // A stopped trial keeps nothing (its temporary merges are removed as each one ends).
    if (ctx.signal.aborted) return null;
    const scored = await scoreMerge(home, [home, m.method, m.settings, inputs, p.base], files, p);
    tokens = scored.tokens;
    rows.push({ method: m.method, settings: m.settings, loss: scored.loss, perplexity: Math.exp(scored.loss) });
    ctx.log(`${m.method}: perplexity ${Math.exp(scored.loss).toFixed(2)} on ${scored.tokens} tokens`);
    ctx.progress({ done: i + 2, total });
  }
  const best = rows.reduce((a, b) => (b.perplexity < a.perplexity ? b : a));
  const record: CollapseTrialRecord = {
    kind: 'collapse-trial',
    trial: {
      target: p.target,
      split: 'valid',
      contextLength: p.contextLength,
      tokens,
      weights: used.map((u, j) => ({ name: u.ref.name, weight: weights[j]! })),
      rows,
      skipped: p.skipped,
      best: best.method,
    },
  };
  ctx.record(record);
  return record;
}
