// The BTM benchmark's configuration from what a person types: `grove bench btm [--quick] [--domains DIR
// [--held-out a,b] [--seed-model FOLDER]] [--budget 1120|2M] [--seed-fraction 0.5,0.25] [--shape NAME]
// [--light [--rank R] [--light-lr-scale X]] [--seed N]`.
// Without --domains it is the Brown benchmark, changed only where a flag says so.
import { isAbsolute, resolve } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { budgetSteps, parseBudget } from './budget';
import { DEFAULT_LORA } from '../../engine/model/lora';
import { btmConfig, btmLight, QUICK_LIGHT_RANK, wholePhases, type BtmConfig } from './config';
import { selectDomains } from './domain-folders';
import { btmShape } from './shapes';

export interface BtmOptions {
  /** A folder whose sub-folders are the domains. */
  domains?: string;
  /** Sub-folder names evaluated out of domain, never trained on. */
  heldOut?: string[];
  seedModel?: string;
  /** Steps ("1120") or tokens ("2M"). */
  budget?: string;
  /** Seed-phase fractions; the first is the headline table. */
  seedFractions?: number[];
  shape?: string;
  /** Light experts beside the full ones (LoRA over each seed, at equal FLOPs), of this rank (default: the preset's). */
  light?: boolean;
  rank?: number;
  /** The light experts' learning rates as a multiple of the full experts' (default 1). */
  lightLrScale?: number;
  /**
   * A repeat's training seed: weights N, batches N+1, random split N+2 (default: the preset's 1, 2, 3). The
   * train/valid/test split keeps its seed, so repeats are scored on the same text.
   */
  seed?: number;
}

/** Shares of each folder domain's text in valid and test: enough windows to evaluate on, most left to train. */
const DOMAIN_SPLIT = { valid: 0.1, test: 0.1 };
/** Test tokens scored per domain at most, so a domain of gigabytes evaluates in minutes (Brown's test splits hold 8-10 k). */
const DOMAIN_EVAL_TOKENS = 32_768;
/**
 * Valid windows for each domain's cached prior: about 100, as the paper's released code uses (btm.md). Brown's
 * valid splits hold about 20 windows, so its preset keeps 32; a folder domain's 10 % split holds hundreds.
 */
const DOMAIN_PRIOR_WINDOWS = 100;

function checkFractions(fractions: readonly number[]): void {
  const bad = fractions.find((f) => !(f > 0 && f < 1));
  if (bad !== undefined)
    throw new GroveError(
      'bad_input',
      `BTM benchmark: --seed-fraction ${bad} is not a share of the budget; give values between 0 and 1, such as 0.5 or 0.25,0.5,0.8.`,
      { fraction: bad },
    );
  const twice = fractions.find((f, i) => fractions.indexOf(f) !== i);
  if (twice !== undefined) throw new GroveError('bad_input', `BTM benchmark: --seed-fraction lists ${twice} twice.`, { fraction: twice });
}

export function btmConfigFromOptions(preset: 'default' | 'quick', o: BtmOptions, overrides: Partial<BtmConfig> = {}): BtmConfig {
  const base = btmConfig(preset, overrides);
  const over: Partial<BtmConfig> = { ...overrides };
  if (!o.domains && (o.heldOut || o.seedModel)) {
    throw new GroveError(
      'bad_input',
      `BTM benchmark: ${o.heldOut ? '--held-out' : '--seed-model'} needs --domains DIR (a folder whose sub-folders are the domains); without it the benchmark runs on Brown's genres as committed.`,
    );
  }
  if (o.domains) {
    const root = resolve(o.domains);
    const selected = selectDomains(root, o.heldOut ?? []);
    over.trainGenres = selected.train;
    over.heldOutGenres = selected.heldOut;
    over.domains = {
      root,
      splitFractions: DOMAIN_SPLIT,
      tokenizerSampleBytes: 4 * 1024 ** 2,
      ...(o.seedModel ? { seedModel: isAbsolute(o.seedModel) ? o.seedModel : resolve(o.seedModel) } : {}),
    };
    over.evalMaxTokens = Math.min(base.evalMaxTokens ?? DOMAIN_EVAL_TOKENS, DOMAIN_EVAL_TOKENS);
    if (preset === 'default') over.priorSequences = DOMAIN_PRIOR_WINDOWS;
  }
  if ((o.rank !== undefined || o.lightLrScale !== undefined) && !o.light) {
    throw new GroveError(
      'bad_input',
      `BTM benchmark: ${o.rank !== undefined ? `--rank ${o.rank}` : `--light-lr-scale ${o.lightLrScale}`} sets the light experts' ${o.rank !== undefined ? 'rank' : 'learning rates'}, but there are none without --light; add --light.`,
    );
  }
  if (o.seed !== undefined) {
    if (!Number.isInteger(o.seed) || o.seed < 0)
      throw new GroveError(
        'bad_input',
        `BTM benchmark: --seed ${o.seed} is not a whole number of 0 or more; give a repeat's seed such as 7.`,
        {
          seed: o.seed,
        },
      );
    over.seeds = { ...base.seeds, init: o.seed, data: o.seed + 1, randomSplit: o.seed + 2 };
  }
  if (o.light) over.light = btmLight(o.rank ?? (preset === 'quick' ? QUICK_LIGHT_RANK : DEFAULT_LORA.rank), o.lightLrScale);
  if (o.shape) {
    if (o.seedModel)
      throw new GroveError(
        'bad_input',
        `BTM benchmark: --shape ${o.shape} and --seed-model both set the model; the seed model's shape is its own, so drop --shape.`,
      );
    over.model = btmShape(o.shape, base.contextLength);
  }
  if (o.seedFractions) {
    checkFractions(o.seedFractions);
    over.seedFractions = [...o.seedFractions].sort((a, b) => a - b);
    over.mainFraction = o.seedFractions[0]!;
  }
  const experts = (over.trainGenres ?? base.trainGenres).length;
  const fractions = over.seedFractions ?? base.seedFractions;
  const tokensPerStep = base.batchSize * base.contextLength;
  if (o.budget) over.totalSteps = budgetSteps(parseBudget(o.budget), tokensPerStep, fractions, experts);
  else if (!fractions.every((f) => wholePhases(base.totalSteps, f, experts))) {
    // The preset's budget was made whole for its own experts and fractions: the nearest that splits whole for these.
    over.totalSteps = budgetSteps({ tokens: base.totalSteps * tokensPerStep }, tokensPerStep, fractions, experts);
  }
  return btmConfig(preset, over);
}
