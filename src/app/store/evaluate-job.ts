// `grove eval` and the app's Evaluate button, in a worker: test perplexity and bits per byte of each model
// on each domain, and of the experts' ensemble under the cached prior of that domain (the paper's best
// use of a forest: the prior estimated on the domain's valid split, then the context posterior). Each
// score goes to the owner as a record for the evaluations table. When the forest's experts came from a discovery,
// their cluster-routed ensemble (c-BTM) can be scored too, as `grove eval --routing clusters` scores it.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { Ensemble } from '../../engine/ensemble/ensemble';
import { evaluateSplit, type Evaluation } from '../../engine/eval/perplexity';
import { CONTEXT_POSTERIOR } from '../../engine/forest/posterior';
import type { JobContext } from '../jobs/protocol';
import { estimateDomainsPrior, StoredRef, withModels, type PriorRecord } from './prior-job';
import { clusterRoutedScorer, forestRouter, routedSpec } from './routed-ensemble';

export const EvaluateJobPayload = z
  .object({
    models: z.array(StoredRef),
    domains: z.array(z.object({ name: z.string(), dir: z.string(), id: z.number().int() }).strict()).min(1),
    /** The experts whose ensemble is scored too, with the cached prior of each domain when one is stored. */
    ensemble: z
      .object({ experts: z.array(StoredRef).min(2), priors: z.record(z.string(), z.array(z.number())) })
      .strict()
      .nullable(),
    /** The experts the forest's clusterer routes to, in its order: their cluster-routed ensemble is scored too (c-BTM). */
    routed: z
      .object({ experts: z.array(StoredRef).min(2) })
      .strict()
      .nullable()
      .default(null),
    split: z.enum(['train', 'valid', 'test']),
    contextLength: z.number().int().positive(),
    batchSize: z.number().int().positive().default(8),
    /** Score at most this many tokens per model and domain: the heatmap needs a fair sample, not everything. */
    maxTokens: z.number().int().positive().optional(),
    /** For the queue's owner, not the worker: the verdict to judge once every score is in (a baseline's comparison). */
    verdict: z.unknown().optional(),
  })
  .strict();
export type EvaluateJobPayload = z.input<typeof EvaluateJobPayload>;

export type EvaluationSpec =
  | { kind: 'model'; model: string; modelId: number }
  | { kind: 'ensemble'; models: string[]; modelIds: number[]; prior: 'cached' | 'uniform'; posterior: 'context' | 'last-token' }
  /** The experts a discovery grew, each token weighed by c-BTM's cluster routing instead of a posterior (`grove eval --routing clusters`). */
  | { kind: 'routed'; routing: 'clusters'; models: string[]; modelIds: number[] };

export interface EvaluationRecord {
  kind: 'evaluation';
  spec: EvaluationSpec;
  domainId: number;
  result: Evaluation;
}

/** One cell of the matrix: a domain too small to score (its split shorter than a window) is logged and left empty. */
async function scoreCell(ctx: JobContext, domain: string, score: () => Promise<void>): Promise<void> {
  try {
    await score();
  } catch (err) {
    if (!(err instanceof GroveError && err.code === 'bad_input')) throw err;
    ctx.log(`${domain}: ${err.message}`);
  }
}

export async function runEvaluateJob(input: unknown, ctx: JobContext): Promise<{ evaluations: number }> {
  const p = EvaluateJobPayload.parse(input);
  const home = ctx.forestHome;
  const opts = { contextLength: p.contextLength, batchSize: p.batchSize, ...(p.maxTokens ? { maxTokens: p.maxTokens } : {}) };
  const total = p.domains.length * (p.models.length + (p.ensemble ? 1 : 0) + (p.routed ? 1 : 0));
  let done = 0;
  const step = () => ctx.progress({ done: ++done, total });
  ctx.progress({ done, total });
  await withModels(home, p.models, async (models) => {
    for (const d of p.domains) {
      for (const [i, m] of models.entries()) {
        if (ctx.signal.aborted) return;
        const ref = p.models[i]!;
        await scoreCell(ctx, d.name, async () =>
          ctx.record({
            kind: 'evaluation',
            spec: { kind: 'model', model: ref.name, modelId: ref.id },
            domainId: d.id,
            result: await evaluateSplit(m, d.dir, p.split, opts),
          } satisfies EvaluationRecord),
        );
        step();
      }
    }
  });
  if (p.ensemble) await scoreEnsemble(ctx, p, p.ensemble, opts, step);
  if (p.routed) await scoreRouted(ctx, p, p.routed.experts, opts, step);
  return { evaluations: done };
}

type Payload = z.output<typeof EvaluateJobPayload>;
type ScoreOptions = Parameters<typeof evaluateSplit>[3];

/** The experts' ensemble under each domain's cached prior (estimated now, and recorded, where none is stored). */
async function scoreEnsemble(
  ctx: JobContext,
  p: Payload,
  ensemble: NonNullable<Payload['ensemble']>,
  opts: ScoreOptions,
  step: () => void,
): Promise<void> {
  await withModels(ctx.forestHome, ensemble.experts, async (experts) => {
    for (const d of p.domains) {
      if (ctx.signal.aborted) return;
      await scoreCell(ctx, d.name, async () => {
        let prior = ensemble.priors[d.name];
        if (!prior) {
          const estimate = await estimateDomainsPrior(experts, [d.dir], undefined, ctx.log);
          prior = estimate.prior;
          ctx.record({
            kind: 'prior',
            target: `domain:${d.name}`,
            modelIds: ensemble.experts.map((e) => e.id),
            weights: prior,
            sequences: estimate.sequences,
          } satisfies PriorRecord);
        }
        const spec: EvaluationSpec = {
          kind: 'ensemble',
          models: ensemble.experts.map((e) => e.name),
          modelIds: ensemble.experts.map((e) => e.id),
          prior: 'cached',
          posterior: 'context',
        };
        ctx.record({
          kind: 'evaluation',
          spec,
          domainId: d.id,
          result: await evaluateSplit(new Ensemble(experts, prior, CONTEXT_POSTERIOR), d.dir, p.split, opts),
        } satisfies EvaluationRecord);
      });
      step();
    }
  });
}

/** The routed experts' ensemble weighed by the forest's clusterer, stored as `grove eval --routing clusters` stores it. */
async function scoreRouted(ctx: JobContext, p: Payload, refs: StoredRef[], opts: ScoreOptions, step: () => void): Promise<void> {
  const home = ctx.forestHome;
  const router = forestRouter(home, 'or evaluate without cluster routing');
  await withModels(home, refs, async (experts) => {
    const routed = await clusterRoutedScorer(
      home,
      router,
      experts.map((scorer, i) => ({ name: refs[i]!.name, scorer })),
    );
    for (const d of p.domains) {
      if (ctx.signal.aborted) return;
      await scoreCell(ctx, d.name, async () =>
        ctx.record({
          kind: 'evaluation',
          spec: routedSpec(refs),
          domainId: d.id,
          result: await evaluateSplit(routed, d.dir, p.split, opts),
        } satisfies EvaluationRecord),
      );
      step();
    }
  });
}
