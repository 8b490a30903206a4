// The BTM benchmark's configuration: which Brown genres train experts and which are held out, the model
// shape, the compute budget in optimizer steps (never minutes, so a busy machine changes the time, not the
// table), the seed-phase fractions of the ablation, and how evaluation reads the splits. Two presets:
// `default` (the committed table, under 45 minutes on 2 cores) and `quick` (the CI smoke run).
import { GroveError } from '../../shared/api/errors';
import type { ModelConfigInput } from '../../engine/model/config';
import { BROWN_GENRES, type BrownGenre } from '../../engine/tokenize/brown';

export interface SplitDocuments {
  valid: number;
  test: number;
}

export interface BtmConfig {
  preset: 'default' | 'quick';
  /** Genres with an expert each; their mix is the seed's and the dense model's data. */
  trainGenres: BrownGenre[];
  /** Genres no model trains on: the out-of-domain columns. */
  heldOutGenres: BrownGenre[];
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
}

const DEFAULT: BtmConfig = {
  preset: 'default',
  trainGenres: ['news', 'editorial', 'hobbies', 'lore', 'belles_lettres', 'government', 'learned', 'fiction'],
  heldOutGenres: ['reviews', 'religion', 'mystery', 'romance'],
  vocabSize: 8192,
  model: { hiddenSize: 128, intermediateSize: 512, numHiddenLayers: 4, numAttentionHeads: 4, maxPositionEmbeddings: 256, tieWordEmbeddings: true },
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
  model: { hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 2, maxPositionEmbeddings: 64, tieWordEmbeddings: true },
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
  if (Math.abs(seedSteps - fraction * config.totalSteps) > 1e-9 || !Number.isInteger(expertSteps) || expertSteps < 1) {
    throw new GroveError(
      'bad_input',
      `BTM benchmark: a seed fraction of ${fraction} of ${config.totalSteps} steps does not leave each of the ${k} experts a whole number of steps (${expertSteps}); pick totalSteps so that f*C and (1-f)*C/${k} are whole numbers.`,
      { totalSteps: config.totalSteps, fraction, experts: k },
    );
  }
  return { seedSteps, expertSteps };
}

function checkConfig(c: BtmConfig): void {
  const known = new Set<string>(Object.values(BROWN_GENRES));
  for (const g of [...c.trainGenres, ...c.heldOutGenres]) {
    if (!known.has(g)) throw new GroveError('bad_input', `BTM benchmark: "${g}" is not a Brown genre; use one of ${[...known].join(', ')}.`, { genre: g });
  }
  const all = [...c.trainGenres, ...c.heldOutGenres];
  const twice = all.find((g, i) => all.indexOf(g) !== i);
  if (twice) throw new GroveError('bad_input', `BTM benchmark: genre "${twice}" is listed twice; a genre is either trained on or held out.`, { genre: twice });
  if (c.trainGenres.length < 2) throw new GroveError('bad_input', `BTM benchmark: ${c.trainGenres.length} training genre(s); a forest needs at least 2 experts.`);
  if (c.heldOutGenres.length < 1) throw new GroveError('bad_input', 'BTM benchmark: no held-out genre; list at least one for the out-of-domain columns.');
  if (!c.seedFractions.includes(c.mainFraction)) throw new GroveError('bad_input', `BTM benchmark: the main seed fraction ${c.mainFraction} is not among the ablation's ${c.seedFractions.join(', ')}; add it.`);
  for (const f of c.seedFractions) {
    if (!(f > c.warmupFraction && f < 1)) throw new GroveError('bad_input', `BTM benchmark: seed fraction ${f} must lie after the warm-up (${c.warmupFraction}) and before 1.`, { fraction: f });
    phaseSteps(c, f);
  }
}
