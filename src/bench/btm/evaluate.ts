// The BTM benchmark's evaluation: test perplexity and bits per byte of single models, of the forest's
// ensembles (uniform or cached prior, context or last-token posterior, all experts or the top 2 by prior)
// and of its parameter averages (uniform, and posterior-weighted with the cached prior of each target
// genre: one averaged model per genre, as the paper does). Light experts (an adapter over their seed) are
// scored and averaged the same way: their base run with their adapter fed, and W0 + sum_j w_j B_j A_j.
// Cached priors are estimated on each evaluated genre's valid split, held-out genres included. Every expert
// runs each distinct window once (MemoScorer).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { Ensemble, estimateCachedPrior } from '../../engine/ensemble/ensemble';
import { evaluateSplit, type EvalOptions, type WindowScorer } from '../../engine/eval/perplexity';
import { CONTEXT_POSTERIOR, LAST_TOKEN_POSTERIOR, type PosteriorSettings } from '../../engine/forest/posterior';
import { mergeAdaptersIntoBase } from '../../engine/forest/merge/lora-into-base';
import { mergeModels } from '../../engine/forest/merge/merge-models';
import { folderTokenizerSha256 } from '../../engine/forest/merge/method';
import { mergeMethod } from '../../engine/forest/merge/registry';
import { normaliseWeights } from '../../engine/model/average';
import type { LoraAdapter } from '../../engine/model/lora-adapter';
import { importPeftAdapter } from '../../engine/model/peft-import';
import { loadAdapter } from '../../engine/runtime/adapter-feeds';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { adapterScorer } from '../../app/store/stored-scorers';
import type { BtmConfig } from './config';
import type { BtmDomain } from './corpus';
import { MemoScorer } from './memo-scorer';
import type { BtmProgress } from './progress';
import { genreScore, type GenreScore, type Priors } from './results';
import type { Expert } from './training';

export interface EvalContext {
  config: BtmConfig;
  /** The evaluated genres (training genres first, then held-out). */
  genres: readonly BtmDomain[];
  progress: BtmProgress;
  /** The tokenizer every model of the benchmark shares (its averages check it, as the forest's do). */
  tokenizerDir: string;
}

function evalOptions(config: BtmConfig): EvalOptions {
  return {
    contextLength: config.contextLength,
    batchSize: config.evalBatch,
    ...(config.evalMaxTokens ? { maxTokens: config.evalMaxTokens } : {}),
  };
}

/** Scorers of full models (a folder each) and light experts (an adapter folder over a base, the base opened once). */
async function openScorers(
  entries: readonly { modelDir: string; baseDir?: string }[],
  ctx: EvalContext,
): Promise<{ models: LlamaModel[]; scorers: MemoScorer[] }> {
  const opened = new Map<string, LlamaModel>();
  const open = async (folder: string): Promise<LlamaModel> => {
    let m = opened.get(folder);
    if (!m) {
      m = await LlamaModel.open(folder, { threads: ctx.config.threads });
      opened.set(folder, m);
    }
    return m;
  };
  const scorers: MemoScorer[] = [];
  try {
    for (const e of entries) {
      const scorer: WindowScorer = e.baseDir
        ? await open(e.baseDir).then(async (base) => adapterScorer(base, await loadAdapter(e.modelDir, base.config)))
        : await open(e.modelDir);
      scorers.push(new MemoScorer(scorer, (n) => ctx.progress.scored(n)));
    }
  } catch (err) {
    for (const m of opened.values()) await m.close();
    throw err;
  }
  return { models: [...opened.values()], scorers };
}

/** One model's test scores on the given genres. */
export async function scoreModel(
  folder: string,
  label: string,
  genres: readonly BtmDomain[],
  ctx: EvalContext,
): Promise<Record<string, GenreScore>> {
  const { models, scorers } = await openScorers([{ modelDir: folder }], ctx);
  const out: Record<string, GenreScore> = {};
  try {
    for (const g of genres) {
      ctx.progress.update(`eval ${label} on ${g.name}`);
      out[g.name] = genreScore(await evaluateSplit(scorers[0]!, g.dir, 'test', evalOptions(ctx.config)));
    }
  } finally {
    for (const m of models) await m.close();
  }
  return out;
}

export interface ForestScores {
  /** Expert name -> genre -> score. */
  matrix: Record<string, Record<string, GenreScore>>;
  priors: Priors;
  /** Ensemble variant -> genre -> score. */
  ensembles: Record<string, Record<string, GenreScore>>;
}

type Variant = { id: string; prior: 'uniform' | 'context' | 'lastToken'; posterior: PosteriorSettings };

const ALL_VARIANTS: Variant[] = [
  { id: 'ensemble-uniform-context', prior: 'uniform', posterior: CONTEXT_POSTERIOR },
  { id: 'ensemble-uniform-last-token', prior: 'uniform', posterior: LAST_TOKEN_POSTERIOR },
  { id: 'ensemble-cached-context', prior: 'context', posterior: CONTEXT_POSTERIOR },
  { id: 'ensemble-cached-last-token', prior: 'lastToken', posterior: LAST_TOKEN_POSTERIOR },
  { id: 'top2-cached-context', prior: 'context', posterior: { ...CONTEXT_POSTERIOR, topK: { k: 2, by: 'prior' } } },
  { id: 'top2-cached-last-token', prior: 'lastToken', posterior: { ...LAST_TOKEN_POSTERIOR, topK: { k: 2, by: 'prior' } } },
];

/** The variants a forest is scored with: all of them for domain experts, the cached-prior ones for the control. */
export const DOMAIN_VARIANTS = ALL_VARIANTS.map((v) => v.id);
export const CONTROL_VARIANTS = ['ensemble-cached-context', 'ensemble-cached-last-token'];

/** Every expert on every genre, the cached priors of every genre, and the ensembles. */
export async function scoreForest(
  experts: readonly Expert[],
  label: string,
  variants: readonly string[],
  ctx: EvalContext,
): Promise<ForestScores> {
  const { models, scorers } = await openScorers(experts, ctx);
  const opts = evalOptions(ctx.config);
  const out: ForestScores = {
    matrix: Object.fromEntries(experts.map((e) => [e.domain, {}])),
    priors: { context: {}, lastToken: {} },
    ensembles: {},
  };
  try {
    for (const g of ctx.genres) {
      for (const [j, e] of experts.entries()) {
        ctx.progress.update(`eval ${label}: expert ${e.domain} on ${g.name}`);
        out.matrix[e.domain]![g.name] = genreScore(await evaluateSplit(scorers[j]!, g.dir, 'test', opts));
      }
      ctx.progress.update(`eval ${label}: cached priors on ${g.name}`);
      const priorOptions = {
        split: 'valid' as const,
        contextLength: ctx.config.contextLength,
        batchSize: ctx.config.evalBatch,
        sequences: ctx.config.priorSequences,
        alpha: ctx.config.priorAlpha,
      };
      out.priors.context[g.name] = (await estimateCachedPrior(scorers, g.dir, { ...priorOptions, posterior: CONTEXT_POSTERIOR })).prior;
      out.priors.lastToken[g.name] = (
        await estimateCachedPrior(scorers, g.dir, { ...priorOptions, posterior: LAST_TOKEN_POSTERIOR })
      ).prior;
      for (const v of ALL_VARIANTS.filter((x) => variants.includes(x.id))) {
        ctx.progress.update(`eval ${label}: ${v.id} on ${g.name}`);
        const prior = v.prior === 'uniform' ? experts.map(() => 1 / experts.length) : out.priors[v.prior][g.name]!;
        (out.ensembles[v.id] ??= {})[g.name] = genreScore(
          await evaluateSplit(new Ensemble(scorers, prior, v.posterior), g.dir, 'test', opts),
        );
      }
    }
  } finally {
    for (const m of models) await m.close();
  }
  return out;
}

/** Writes the experts' average with these weights (normalised) into a model folder. */
type Averager = (weights: readonly number[], outFolder: string) => Promise<unknown>;

/**
 * Full experts: the linear merge of their weights. Light experts over one base: W0 + sum_j w_j s_j B_j A_j,
 * exact, as a full model (forest/merge/lora-into-base.ts): the parameter average of models that differ only
 * by their low-rank deltas, the same operation as the full experts' average.
 */
async function averager(experts: readonly Expert[], ctx: EvalContext): Promise<Averager> {
  const baseDir = experts[0]?.baseDir;
  if (baseDir !== undefined) {
    if (experts.some((e) => e.baseDir !== baseDir))
      throw new GroveError('internal', 'BTM benchmark: the light experts of one forest must share their base to be averaged.');
    const adapters: LoraAdapter[] = [];
    for (const e of experts) adapters.push(await importPeftAdapter(e.modelDir, baseDir));
    return (weights, outFolder) =>
      mergeAdaptersIntoBase({
        baseFolder: baseDir,
        parts: adapters.map((adapter, j) => ({ adapter, weight: weights[j]!, label: experts[j]!.domain })),
        outFolder,
      });
  }
  const tokenizerSha256 = await folderTokenizerSha256(ctx.tokenizerDir);
  return (weights, outFolder) =>
    mergeModels({
      method: mergeMethod('linear'),
      inputs: experts.map((e, j) => ({ folder: e.modelDir, weight: weights[j]!, label: e.domain, tokenizerSha256 })),
      outFolder,
    });
}

/** The uniform average of the experts on every genre, and the posterior-weighted average of each genre on it. */
export async function scoreAverages(
  experts: readonly Expert[],
  priors: Priors,
  label: string,
  work: string,
  ctx: EvalContext,
): Promise<{ uniform: Record<string, GenreScore>; posterior: Record<string, GenreScore>; weights: Record<string, number[]> }> {
  const dir = join(work, 'averages', label);
  const uniformDir = join(dir, 'uniform');
  ctx.progress.update(`eval ${label}: averaging the experts uniformly`);
  mkdirSync(uniformDir, { recursive: true });
  const average = await averager(experts, ctx);
  await average(
    experts.map(() => 1),
    uniformDir,
  );
  const uniform = await scoreModel(uniformDir, `${label} uniform average`, ctx.genres, ctx);
  rmSync(uniformDir, { recursive: true, force: true });
  const posterior: Record<string, GenreScore> = {};
  const weights: Record<string, number[]> = {};
  for (const g of ctx.genres) {
    const prior = priors.context[g.name]!;
    const target = join(dir, `posterior-${g.name}`);
    ctx.progress.update(`eval ${label}: averaging with the cached prior of ${g.name}`);
    mkdirSync(target, { recursive: true });
    await average(prior, target);
    weights[g.name] = normaliseWeights(prior);
    Object.assign(posterior, await scoreModel(target, `${label} posterior average`, [g], ctx));
    rmSync(target, { recursive: true, force: true });
  }
  return { uniform, posterior, weights };
}
