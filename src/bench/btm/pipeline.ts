// The BTM benchmark end to end: corpus -> dense run (seeds on the way) -> for each seed fraction, the
// domain forest (with a collapse per merge method) and the random-split control (and with --light the light forest and its control) ->
// evaluation -> rows and findings. One LlamaTrainer (one compiled train step) serves every full training phase: each expert loads its
// seed's full training state; a second one, with the LoRA step, serves every light expert.
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { readModelFolder, type ModelFolder } from '../../engine/model/folder';
import { parameterCount } from '../../engine/model/names';
import { LlamaTrainer } from '../../engine/train/step-runner';
import { phaseSteps, type BtmConfig, type BtmLight } from './config';
import { prepareCorpus, type BtmCorpus } from './corpus';
import { prepareFolderCorpus } from './domain-corpus';
import { CONTROL_VARIANTS, DOMAIN_VARIANTS, scoreAverages, scoreForest, scoreModel, type EvalContext } from './evaluate';
import { lightBudget } from './light-budget';
import { mergeRowPlan } from './merge-plan';
import { runLightForest } from './light-forest';
import { BtmProgress, TRAIN_UNITS_PER_TOKEN } from './progress';
import { scoreMerges, type MergeScores } from './merge-rows';
import {
  findings,
  forestExperts,
  forestRowIds,
  makeRow,
  ownExpertScores,
  type BtmResult,
  type ForestResult,
  type GenreScore,
  type RowId,
} from './results';
import { trainDenseAndSeeds, trainForest, type Expert, type TrainedSeed } from './training';

export interface BtmRunOptions {
  /** A scratch folder for corpora, runs and models (emptied by the caller). */
  work: string;
  log: (line: string) => void;
  /** The progress line (rewritten in place on a terminal). */
  show: (line: string) => void;
}

const pct = (f: number) => `${Math.round(f * 100)}%`;
/** A seed fraction in folder names: 25, 50, 80. */
const tag = (f: number) => String(Math.round(f * 100));

/** Planned work in progress units (see progress.ts), from the budgets and the splits' sizes. */
function plannedUnits(config: BtmConfig, corpus: BtmCorpus, modelConfig: ModelConfig): number {
  const tokensPerStep = config.batchSize * config.contextLength;
  const k = config.trainGenres.length;
  // A light forest trains k light experts and k light controls, each at the light budget's steps.
  const lightSteps = (f: number) =>
    config.light ? 2 * k * lightBudget(modelConfig, { ...config, light: config.light }, phaseSteps(config, f).expertSteps).steps : 0;
  const forestSteps = config.seedFractions.reduce(
    (n, f) => n + 2 * (config.totalSteps - phaseSteps(config, f).seedSteps) + lightSteps(f),
    0,
  );
  const train = (config.totalSteps + forestSteps) * tokensPerStep * TRAIN_UNITS_PER_TOKEN;
  const test = corpus.genres.reduce((n, g) => n + Math.min(g.splits.test.tokens, config.evalMaxTokens ?? Infinity), 0);
  const prior = corpus.genres.length * config.priorSequences * config.contextLength;
  // Per forest: seed, uniform and posterior averages and a merge per method (test each), k experts and k controls
  // (test + prior each); a light forest: its two averages (2 x test), k light experts and k light controls (test + prior each).
  const merges = mergeRowPlan(k, 0).filter((p) => p.row?.startsWith('merge-')).length;
  const perForest = (3 + merges) * test + 2 * k * (test + prior) + (config.light ? 2 * test + 2 * k * (test + prior) : 0);
  return train + test + config.seedFractions.length * perForest;
}

function forestRows(
  config: BtmConfig,
  scores: {
    seed: Record<string, GenreScore>;
    dense: Record<string, GenreScore>;
    forest: Awaited<ReturnType<typeof scoreForest>>;
    control: Awaited<ReturnType<typeof scoreForest>>;
    averages: Awaited<ReturnType<typeof scoreAverages>>;
    merges: MergeScores;
  },
) {
  const { trainGenres, heldOutGenres } = config;
  const expert = ownExpertScores(scores.forest.matrix, scores.forest.priors, trainGenres, heldOutGenres);
  const byId: Partial<Record<RowId, Record<string, GenreScore>>> = {
    seed: scores.seed,
    dense: scores.dense,
    expert,
    'ensemble-uniform-context': scores.forest.ensembles['ensemble-uniform-context']!,
    'ensemble-uniform-last-token': scores.forest.ensembles['ensemble-uniform-last-token']!,
    'ensemble-cached-context': scores.forest.ensembles['ensemble-cached-context']!,
    'ensemble-cached-last-token': scores.forest.ensembles['ensemble-cached-last-token']!,
    'top2-cached-context': scores.forest.ensembles['top2-cached-context']!,
    'top2-cached-last-token': scores.forest.ensembles['top2-cached-last-token']!,
    'average-uniform': scores.averages.uniform,
    'average-posterior': scores.averages.posterior,
    ...scores.merges.scores,
    'random-cached-context': scores.control.ensembles['ensemble-cached-context']!,
    'random-cached-last-token': scores.control.ensembles['ensemble-cached-last-token']!,
  };
  return forestRowIds(trainGenres.length).map((id) => {
    const genres = byId[id];
    if (!genres) throw new GroveError('internal', `BTM benchmark: row ${id} was not scored.`);
    return makeRow(id, genres, trainGenres, heldOutGenres);
  });
}

/** The light experts' trainer (made with the benchmark's LoRA settings) and the model they adapt; null without --light. */
type LightSetup = { trainer: LlamaTrainer; modelConfig: ModelConfig; light: BtmLight } | null;

async function runForest(
  trainer: LlamaTrainer,
  lightSetup: LightSetup,
  seed: TrainedSeed,
  corpus: BtmCorpus,
  dense: Record<string, GenreScore>,
  config: BtmConfig,
  work: string,
  ctx: EvalContext,
): Promise<ForestResult> {
  const { progress } = ctx;
  const trainDomains = corpus.genres.filter((g) => g.role === 'train');
  const label = `seed ${pct(seed.fraction)}`;
  const experts: Expert[] = await trainForest(trainer, seed, trainDomains, config, work, `experts-${tag(seed.fraction)}`, progress);
  progress.endPhase(`train: ${experts.length} domain experts, ${label}`);
  const controls: Expert[] = await trainForest(trainer, seed, corpus.randomSplits, config, work, `random-${tag(seed.fraction)}`, progress);
  progress.endPhase(`train: ${controls.length} random-split experts, ${label}`);

  const seedScores = await scoreModel(seed.modelDir, label, corpus.genres, ctx);
  const forest = await scoreForest(experts, `${label} experts`, DOMAIN_VARIANTS, ctx);
  const averages = await scoreAverages(experts, forest.priors, `averages-${tag(seed.fraction)}`, work, ctx);
  const merges = await scoreMerges(experts, seed.modelDir, forest.priors, `merges-${tag(seed.fraction)}`, work, ctx);
  progress.endPhase(`eval: seed, experts, ensembles, averages and merge methods, ${label}`);
  const control = await scoreForest(controls, `${label} random-split control`, CONTROL_VARIANTS, ctx);
  progress.endPhase(`eval: random-split control, ${label}`);
  for (const e of [...experts, ...controls]) rmSync(e.modelDir, { recursive: true, force: true });
  const light = lightSetup
    ? await runLightForest(lightSetup.trainer, lightSetup.modelConfig, lightSetup.light, seed, corpus, config, work, ctx)
    : null;

  const { seedSteps, expertSteps } = phaseSteps(config, seed.fraction);
  return {
    fraction: seed.fraction,
    seedSteps,
    expertSteps,
    branchLr: seed.branchLr,
    rows: forestRows(config, { seed: seedScores, dense, forest, control, averages, merges }),
    mergeMethods: merges.plan,
    ...forestExperts(experts, controls, forest, control),
    ...(light ? { light } : {}),
  };
}

/** A seed model's config and weights, checked against the benchmark: context within its positions, tokenizer within its vocabulary. */
async function openSeedModel(folder: string, config: BtmConfig, corpus: BtmCorpus): Promise<ModelFolder> {
  const model = await readModelFolder(folder);
  const problem =
    config.contextLength > model.config.maxPositionEmbeddings
      ? `its ${model.config.maxPositionEmbeddings} positions are fewer than the benchmark's context of ${config.contextLength} tokens`
      : corpus.tokenizer.vocabSize > model.config.vocabSize
        ? `its tokenizer has ${corpus.tokenizer.vocabSize} tokens but the model only ${model.config.vocabSize} embeddings`
        : null;
  if (problem) {
    await model.weights.close();
    throw new GroveError(
      'bad_input',
      `BTM benchmark: --seed-model ${folder} cannot seed this run: ${problem}. Use a model trained with this tokenizer and at least this context.`,
      { folder },
    );
  }
  return model;
}

export async function runBtmBenchmark(config: BtmConfig, o: BtmRunOptions): Promise<BtmResult> {
  const loadStart = loadavg()[0] ?? 0;
  let progress = new BtmProgress(0, o.show, () => loadavg()[0] ?? 0);
  progress.update('corpus: domain folders, tokenizer, ingestion');
  const corpus = config.domains
    ? await prepareFolderCorpus(o.work, config, config.domains, o.log, (text) => progress.update(text))
    : await prepareCorpus(o.work, config, o.log);
  // The plan needs the splits' sizes; the corpus phase's time is carried over to the real tracker.
  const corpusPhase = progress.endPhase(
    `corpus: ${config.domains ? 'domain' : 'genre'} folders, ${config.domains?.seedModel ? "the seed model's tokenizer" : 'BPE tokenizer'}, ingestion`,
  );
  const seedModel = config.domains?.seedModel ? await openSeedModel(config.domains.seedModel, config, corpus) : null;
  const modelConfig =
    seedModel?.config ??
    parseModelConfig({ architecture: 'LlamaForCausalLM', vocabSize: config.vocabSize, ...config.model }, 'BTM benchmark model');
  progress = new BtmProgress(plannedUnits(config, corpus, modelConfig), o.show, () => loadavg()[0] ?? 0);
  progress.phases.push(corpusPhase);

  const trainerOptions = {
    batchSize: config.batchSize,
    contextLength: config.contextLength,
    threads: config.threads,
    seed: config.seeds.init,
  };
  const trainer = await LlamaTrainer.create(modelConfig, trainerOptions);
  let lightSetup: LightSetup = null;
  try {
    // Light experts train other tensors (the adapter) over a frozen base: their own compiled step, made once.
    if (config.light)
      lightSetup = {
        trainer: await LlamaTrainer.create(modelConfig, { ...trainerOptions, lora: config.light }),
        modelConfig,
        light: config.light,
      };
    if (seedModel) {
      // The seed phase is the seed model's continued training on the mix: its weights, fresh AdamW state.
      await trainer.loadWeights(seedModel.weights);
      await seedModel.weights.close();
    }
    const dense = await trainDenseAndSeeds(trainer, corpus.genres, config, o.work, progress);
    progress.endPhase(`train: dense, ${config.totalSteps} steps (seeds saved at ${config.seedFractions.map(pct).join(', ')})`);
    const ctx: EvalContext = { config, genres: corpus.genres, progress, tokenizerDir: corpus.tokenizerDir };
    const denseScores = await scoreModel(dense.modelDir, 'dense', corpus.genres, ctx);
    progress.endPhase('eval: dense');
    const forests: ForestResult[] = [];
    for (const fraction of config.seedFractions) {
      const seed = dense.seeds.find((s) => s.fraction === fraction)!;
      const forest = await runForest(trainer, lightSetup, seed, corpus, denseScores, config, o.work, ctx);
      forests.push(forest);
      for (const rows of [forest.rows, forest.light?.rows ?? []]) {
        if (rows.length > 0)
          o.log(
            `  seed ${pct(fraction)}: ${rows.map((r) => `${r.id} ${r.inDomain.perplexity.toFixed(1)}/${r.outOfDomain.perplexity.toFixed(1)}`).join(', ')}`,
          );
      }
    }
    const trainPhases = progress.phases.filter((p) => p.trainedTokens > 0);
    const trainSeconds = trainPhases.reduce((n, p) => n + p.seconds, 0);
    return {
      preset: config.preset,
      config,
      trainGenres: config.trainGenres,
      heldOutGenres: config.heldOutGenres,
      corpus: [...corpus.genres, ...corpus.randomSplits].map((d) => ({ name: d.name, role: d.role, splits: d.splits })),
      source: config.domains
        ? { kind: 'folders', root: config.domains.root, seedModel: config.domains.seedModel ?? null, ingestion: corpus.ingestion ?? [] }
        : { kind: 'brown' },
      model: { parameters: parameterCount(modelConfig), config: modelConfig },
      dense: { validCurve: dense.validCurve },
      forests,
      findings: forests.flatMap(findings),
      phases: progress.phases,
      totalSeconds: progress.phases.reduce((n, p) => n + p.seconds, 0),
      trainTokensPerSecond: trainPhases.reduce((n, p) => n + p.trainedTokens, 0) / Math.max(trainSeconds, 1e-9),
      loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
    };
  } finally {
    await trainer.close();
    await lightSetup?.trainer.close();
    rmSync(join(o.work, 'runs'), { recursive: true, force: true });
  }
}
