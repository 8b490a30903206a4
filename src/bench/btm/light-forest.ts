// One light forest of the BTM benchmark (`--light`), from the same seed as a full forest: train a light expert
// per training domain at the full experts' FLOPs (light-budget.ts, light-training.ts), then evaluate it as the
// full forest is evaluated: each expert on every genre, the cached priors, the cached-prior ensembles (context
// and last-token posterior) and the parameter averages (W0 + sum_j w_j B_j A_j, uniform and posterior-weighted);
// and its random-split control, as the full forest's: one light expert per random part of the training genres'
// text (corpus.ts) at the same steps, ensembled with its cached prior.
import { rmSync } from 'node:fs';
import { loraParameterCount } from '../../engine/model/lora';
import type { ModelConfig } from '../../engine/model/config';
import type { LlamaTrainer } from '../../engine/train/step-runner';
import { phaseSteps, type BtmConfig, type BtmLight } from './config';
import type { BtmCorpus } from './corpus';
import { CONTROL_VARIANTS, scoreAverages, scoreForest, type EvalContext } from './evaluate';
import { lightBudget } from './light-budget';
import { trainLightForest } from './light-training';
import { forestExperts, makeRow, ownExpertScores, type LightForestResult, type LightRowId } from './results';
import type { TrainedSeed } from './training';

/** The ensembles a light forest is scored with: the cached-prior ones, as the random-split control's. */
const LIGHT_VARIANTS = CONTROL_VARIANTS;

export async function runLightForest(
  trainer: LlamaTrainer,
  modelConfig: ModelConfig,
  light: BtmLight,
  seed: TrainedSeed,
  corpus: BtmCorpus,
  config: BtmConfig,
  work: string,
  ctx: EvalContext,
): Promise<LightForestResult> {
  const tag = String(Math.round(seed.fraction * 100));
  const label = `seed ${tag}%`;
  const budget = lightBudget(
    modelConfig,
    { batchSize: config.batchSize, contextLength: config.contextLength, light },
    phaseSteps(config, seed.fraction).expertSteps,
  );
  const trainDomains = corpus.genres.filter((g) => g.role === 'train');
  const experts = await trainLightForest(trainer, light, seed, trainDomains, budget.steps, config, work, `light-${tag}`, ctx.progress);
  ctx.progress.endPhase(`train: ${experts.length} light experts (rank ${light.rank}, ${budget.steps} steps each), ${label}`);
  const controls = await trainLightForest(
    trainer,
    light,
    seed,
    corpus.randomSplits,
    budget.steps,
    config,
    work,
    `light-random-${tag}`,
    ctx.progress,
  );
  ctx.progress.endPhase(`train: ${controls.length} light random-split experts (${budget.steps} steps each), ${label}`);
  const forest = await scoreForest(experts, `${label} light experts`, LIGHT_VARIANTS, ctx);
  const averages = await scoreAverages(experts, forest.priors, `light-averages-${tag}`, work, ctx);
  ctx.progress.endPhase(`eval: light experts, ensembles and averages, ${label}`);
  const control = await scoreForest(controls, `${label} light random-split control`, CONTROL_VARIANTS, ctx);
  ctx.progress.endPhase(`eval: light random-split control, ${label}`);
  for (const e of [...experts, ...controls]) rmSync(e.modelDir, { recursive: true, force: true });

  const { trainGenres, heldOutGenres } = config;
  const byId: Record<LightRowId, LightForestResult['rows'][number]['genres']> = {
    'light-expert': ownExpertScores(forest.matrix, forest.priors, trainGenres, heldOutGenres),
    'light-ensemble-cached-context': forest.ensembles['ensemble-cached-context']!,
    'light-ensemble-cached-last-token': forest.ensembles['ensemble-cached-last-token']!,
    'light-average-uniform': averages.uniform,
    'light-average-posterior': averages.posterior,
    'light-random-cached-context': control.ensembles['ensemble-cached-context']!,
    'light-random-cached-last-token': control.ensembles['ensemble-cached-last-token']!,
  };
  return {
    rank: light.rank,
    alpha: light.alpha,
    targets: [...light.targets],
    lrScale: light.lrScale,
    adapterParameters: loraParameterCount(modelConfig, light),
    budget,
    rows: (Object.keys(byId) as LightRowId[]).map((id) => makeRow(id, byId[id], trainGenres, heldOutGenres)),
    ...forestExperts(experts, controls, forest, control),
  };
}
