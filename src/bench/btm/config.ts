// The BTM benchmark's configuration: which domains train experts and which are held out (Brown genres by
// default, or the sub-folders of a folder the user names: `domains`), the model shape, the compute budget
// in optimizer steps (never minutes, so a busy machine changes the time, not the table), the seed-phase
// fractions of the ablation, how evaluation reads the splits, and the light experts' adapter where `--light`
// asks for them. Two presets: `default` (the committed
// table, under 45 minutes on 2 cores) and `quick` (the CI smoke run).
import { GroveError } from '../../shared/api/errors';
import type { ModelConfigInput } from '../../engine/model/config';
import { checkLora, DEFAULT_LORA, type LoraTarget } from '../../engine/model/lora';
import { BROWN_GENRES } from '../../engine/tokenize/brown';

export interface SplitDocuments {
  valid: number;
  test: number;
}

/** The user's own domains: every sub-folder of `root` is one, ingested by Grove's ingester. */
export interface DomainFolders {
  root: string;
  /** Shares of each domain's text that ingestion puts into valid and test (by document, or by piece when few). */
  splitFractions: { valid: number; test: number };
  /** Most bytes of each training domain's train text the BPE tokenizer is trained on (bounded time on big folders). */
  tokenizerSampleBytes: number;
  /**
   * A model folder (config.json, model.safetensors, tokenizer.json) the seed phase continues from: its shape,
   * weights and tokenizer replace the bench's shape, random init and trained BPE.
   */
  seedModel?: string;
}

/** Light experts beside the full ones (`--light`): LoRA adapters over each seed, at the full experts' FLOPs. */
export interface BtmLight {
  rank: number;
  /** lora_alpha; the adapter's product is scaled by alpha / rank. */
  alpha: number;
  targets: readonly LoraTarget[];
  /** The light experts' learning rates are the full experts' (start and floor) times this. */
  lrScale: number;
}

export interface BtmConfig {
  preset: 'default' | 'quick';
  /** Domains with an expert each (Brown genres, or sub-folder names with `domains`); their mix is the seed's and the dense model's data. */
  trainGenres: string[];
  /** Domains no model trains on: the out-of-domain columns. */
  heldOutGenres: string[];
  /** Absent: Brown genres (the committed benchmark). */
  domains?: DomainFolders;
  /** BPE vocabulary, trained on the training genres' train splits only. */
  vocabSize: number;
  model: Omit<ModelConfigInput, 'architecture' | 'vocabSize'>;
  contextLength: number;
  batchSize: number;
  /** Total compute C in optimizer steps: the dense model's steps, and seed + all experts of every forest. */
  totalSteps: number;
  /** The seed phase's share of C for each forest of the ablation; `mainFraction` is the headline table. */
  seedFractions: number[];
  mainFraction: number;
  peakLr: number;
  /** Linear warm-up over this fraction of C, then linear (polynomial power 1) decay to minLrRatio * peakLr. */
  warmupFraction: number;
  minLrRatio: number;
  /** Windows per forward pass when scoring. */
  evalBatch: number;
  /** Score at most this many predicted tokens of each test split (quick mode only; default: the whole split). */
  evalMaxTokens?: number;
  /** Cached prior: held-out windows of the target's valid split, and the EMA's alpha (btm.md). */
  priorSequences: number;
  priorAlpha: number;
  /** Validation of the dense run on the mix's valid split, every this many steps (the seed's loss curve). */
  denseEvalEvery: number;
  denseEvalBatches: number;
  /** Documents of every genre in its valid and test splits (exact counts; the rest is train). */
  splitDocuments: SplitDocuments;
  /** Fixed seeds: weight init, batch sampling, train/valid/test split, random-split shuffle. */
  seeds: { init: number; data: number; split: number; randomSplit: number };
  threads: number;
  /** Absent: full experts only (the committed table). */
  light?: BtmLight;
}

const DEFAULT: BtmConfig = {
  preset: 'default',
  trainGenres: ['news', 'editorial', 'hobbies', 'lore', 'belles_lettres', 'government', 'learned', 'fiction'],
  heldOutGenres: ['reviews', 'religion', 'mystery', 'romance'],
  vocabSize: 8192,
  model: {
    hiddenSize: 128,
    intermediateSize: 512,
    numHiddenLayers: 4,
    numAttentionHeads: 4,
    maxPositionEmbeddings: 256,
    tieWordEmbeddings: true,
  },
  contextLength: 256,
  batchSize: 8,
  totalSteps: 1120,
  seedFractions: [0.25, 0.5, 0.8],
  mainFraction: 0.5,
  // Chosen for the dense model (the baseline), by its mix validation loss after 560 of these steps:
  // peak 1e-3 -> 5.917, 2e-3 -> 5.753, 4e-3 -> 5.679 (higher rates were not tried).
  peakLr: 4e-3,
  warmupFraction: 0.08,
  minLrRatio: 0.1,
  evalBatch: 8,
  priorSequences: 32,
  priorAlpha: 0.3,
  denseEvalEvery: 56,
  denseEvalBatches: 4,
  splitDocuments: { valid: 2, test: 3 },
  seeds: { init: 1, data: 2, split: 1234, randomSplit: 3 },
  threads: 2,
};

/** A few small genres, a very small model and budget: the same pipeline end to end in about a minute. */
const QUICK: BtmConfig = {
  ...DEFAULT,
  preset: 'quick',
  trainGenres: ['science_fiction', 'humor', 'reviews'],
  heldOutGenres: ['religion', 'romance'],
  vocabSize: 512,
  model: {
    hiddenSize: 32,
    intermediateSize: 64,
    numHiddenLayers: 2,
    numAttentionHeads: 2,
    maxPositionEmbeddings: 64,
    tieWordEmbeddings: true,
  },
  contextLength: 64,
  batchSize: 4,
  totalSteps: 120,
  peakLr: 3e-3,
  evalMaxTokens: 1024,
  priorSequences: 8,
  denseEvalEvery: 30,
  denseEvalBatches: 2,
  splitDocuments: { valid: 1, test: 1 },
};

/** The quick preset's light rank: its micro shape is 32 wide, where Grove's default rank 16 would be half the width. */
export const QUICK_LIGHT_RANK = 4;

/**
 * The light experts' default learning rates: the full experts' own, so the kind of expert is the only
 * difference. LoRA usually wants higher rates; on the quick preset (Brown, seed 50 %, rank 4) the light
 * cached-prior ensemble's in-domain perplexity was 208.4 at 1, 207.2 at 3 and 206.0 at 10 (seed 208.9, full
 * ensemble 202.9). `--light-lr-scale` sweeps it; the default preset has not been measured.
 */
export const LIGHT_LR_SCALE = 1;

/** Light experts at rank r: alpha 2r (scale 2, Grove's default) on every projection, as `grove add --light` makes them. */
export function btmLight(rank: number = DEFAULT_LORA.rank, lrScale: number = LIGHT_LR_SCALE): BtmLight {
  return { rank, alpha: 2 * rank, targets: DEFAULT_LORA.targets, lrScale };
}

export function btmConfig(preset: 'default' | 'quick', overrides: Partial<BtmConfig> = {}): BtmConfig {
  const config = { ...(preset === 'quick' ? QUICK : DEFAULT), ...overrides };
  checkConfig(config);
  return config;
}

/** Steps of the seed phase and of each expert for a seed fraction f: f*C and (1-f)*C/k, both whole. */
export function phaseSteps(config: BtmConfig, fraction: number): { seedSteps: number; expertSteps: number } {
  const k = config.trainGenres.length;
  const seedSteps = Math.round(fraction * config.totalSteps);
  const expertSteps = (config.totalSteps - seedSteps) / k;
  if (!wholePhases(config.totalSteps, fraction, k)) {
    const near = nearestWholeBudgets(config.totalSteps, config.seedFractions.includes(fraction) ? config.seedFractions : [fraction], k);
    throw new GroveError(
      'bad_input',
      `BTM benchmark: a seed fraction of ${fraction} of ${config.totalSteps} steps does not leave each of the ${k} experts a whole number of steps (${Number(expertSteps.toFixed(2))}); pick totalSteps (--budget) so that f*C and (1-f)*C/${k} are whole numbers${near.length > 0 ? `: the nearest budgets that work are ${near.join(' and ')} steps` : ''}.`,
      { totalSteps: config.totalSteps, fraction, experts: k, nearest: near },
    );
  }
  return { seedSteps, expertSteps };
}

/** Whether C steps split into a whole seed phase f*C and k whole, non-empty expert budgets (1-f)*C/k. */
export function wholePhases(totalSteps: number, fraction: number, experts: number): boolean {
  const seedSteps = Math.round(fraction * totalSteps);
  const expertSteps = (totalSteps - seedSteps) / experts;
  return Math.abs(seedSteps - fraction * totalSteps) < 1e-9 && Number.isInteger(expertSteps) && expertSteps >= 1;
}

/** `totalSteps` if it splits whole at every fraction, else the nearest that do (one below, one above, where they exist). */
export function nearestWholeBudgets(totalSteps: number, fractions: readonly number[], experts: number): number[] {
  const fits = (c: number) => fractions.every((f) => wholePhases(c, f, experts));
  if (fits(totalSteps)) return [totalSteps];
  const found: number[] = [];
  // Fractions given in hundredths and k experts always fit at multiples of 100*k, so the search is short.
  const reach = 100 * experts;
  for (let c = Math.round(totalSteps); c >= Math.max(1, totalSteps - reach); c--) {
    if (fits(c)) {
      found.push(c);
      break;
    }
  }
  for (let c = Math.round(totalSteps); c <= totalSteps + reach; c++) {
    if (fits(c)) {
      found.push(c);
      break;
    }
  }
  return found;
}

function checkConfig(c: BtmConfig): void {
  // Folder domains are checked against the folder itself (domain-folders.ts), Brown genres here.
  const known = new Set<string>(Object.values(BROWN_GENRES));
  for (const g of c.domains ? [] : [...c.trainGenres, ...c.heldOutGenres]) {
    if (!known.has(g))
      throw new GroveError('bad_input', `BTM benchmark: "${g}" is not a Brown genre; use one of ${[...known].join(', ')}.`, { genre: g });
  }
  const all = [...c.trainGenres, ...c.heldOutGenres];
  const twice = all.find((g, i) => all.indexOf(g) !== i);
  if (twice)
    throw new GroveError('bad_input', `BTM benchmark: genre "${twice}" is listed twice; a genre is either trained on or held out.`, {
      genre: twice,
    });
  if (c.trainGenres.length < 2)
    throw new GroveError(
      'bad_input',
      `BTM benchmark: ${c.trainGenres.length} training ${c.domains ? 'domain(s)' : 'genre(s)'}; a forest needs at least 2 experts${c.domains ? `, so ${c.domains.root} needs at least 2 sub-folders that are not held out` : ''}.`,
    );
  if (c.heldOutGenres.length < 1)
    throw new GroveError(
      'bad_input',
      `BTM benchmark: no held-out ${c.domains ? 'domain; name at least one sub-folder with --held-out' : 'genre; list at least one'} for the out-of-domain columns.`,
    );
  if (!c.seedFractions.includes(c.mainFraction))
    throw new GroveError(
      'bad_input',
      `BTM benchmark: the main seed fraction ${c.mainFraction} is not among the ablation's ${c.seedFractions.join(', ')}; add it.`,
    );
  if (c.light) {
    checkLora(c.light);
    if (!(c.light.lrScale > 0))
      throw new GroveError(
        'bad_input',
        `BTM benchmark: the light experts' learning-rate scale ${c.light.lrScale} must be a positive number (1: the full experts' rates).`,
      );
  }
  for (const f of c.seedFractions) {
    if (!(f > c.warmupFraction && f < 1))
      throw new GroveError(
        'bad_input',
        `BTM benchmark: seed fraction ${f} must lie after the warm-up (${c.warmupFraction}) and before 1.`,
        { fraction: f },
      );
    phaseSteps(c, f);
  }
}
