// The BTM benchmark's data: each Brown genre written as a folder of .txt documents and ingested as a domain
// (split by document into train/valid/test), a BPE tokenizer trained on the training genres' train splits
// only (so nothing held out leaks into the vocabulary), and the random-split control: the pooled training
// documents of the training genres dealt, after a seeded shuffle, into as many equal parts as there are
// experts, each part ingested as a domain of its own (all train).
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { ingestFolder } from '../../engine/corpus/ingest';
import { resolveSettings, type IngestSettingsInput } from '../../engine/corpus/settings';
import { planSplit } from '../../engine/corpus/split';
import { corpusTokenizer, type CorpusTokenizer, type IngestReport, type Split } from '../../engine/corpus/types';
import { Rng } from '../../engine/model/rng';
import { writeBrownGenreFolder, type BrownGenre } from '../../engine/tokenize/brown';
import { tokenizerFromJson } from '../../engine/tokenize/load';
import { saveTokenizerFiles } from '../../engine/tokenize/trained-json';
import { trainByteLevelBpe } from '../../engine/tokenize/train-bpe';
import type { BtmConfig, SplitFractions } from './config';

export interface SplitSize {
  documents: number;
  tokens: number;
  textBytes: number;
}

export interface BtmDomain {
  /** A genre name, or "random-1" ... for the control's parts. */
  name: string;
  role: 'train' | 'held-out' | 'random-split';
  /** The ingested domain: manifest.json + shards/. */
  dir: string;
  splits: Record<Split, SplitSize>;
}

export interface BtmCorpus {
  tokenizerDir: string;
  tokenizer: { vocabSize: number; trainDocuments: number; seconds: number };
  genres: BtmDomain[];
  randomSplits: BtmDomain[];
}

/** Ingest settings of the benchmark: split by document always (Brown texts are all about 2,000 words). */
function ingestSettings(fractions: SplitFractions, seed: number): IngestSettingsInput {
  return { validFraction: fractions.valid, testFraction: fractions.test, seed, minDocumentsToSplitByDocument: 3, minTrainTokens: 0 };
}

/** The documents of a genre folder that ingestion will put into its train split (the same plan it makes). */
function plannedTrainDocuments(folder: string, settings: IngestSettingsInput): string[] {
  const files = readdirSync(folder).filter((f) => f.endsWith('.txt')).sort();
  // The plan is by document (see ingestSettings), so it depends on the names and the seed only, not on token counts.
  const plan = planSplit(
    files.map((path) => ({ path, tokens: 1, pieces: 1 })),
    resolveSettings(settings),
  );
  return files.filter((f) => plan.pieces.get(f)?.[0] === 'train');
}

function sizes(report: IngestReport): Record<Split, SplitSize> {
  const out = {} as Record<Split, SplitSize>;
  for (const s of ['train', 'valid', 'test'] as const) out[s] = { documents: report.splits[s].documents, tokens: report.splits[s].tokens, textBytes: report.splits[s].textBytes };
  return out;
}

async function ingestDomain(name: string, role: BtmDomain['role'], folder: string, out: string, tokenizer: CorpusTokenizer, settings: IngestSettingsInput, expectedTrain?: string[]): Promise<BtmDomain> {
  const report = await ingestFolder({ folder, out, tokenizer, settings });
  const skipped = report.files.filter((f) => f.status === 'skipped');
  if (skipped.length > 0) {
    throw new GroveError('internal', `BTM benchmark: ingesting ${name} skipped ${skipped.length} document(s) (${skipped[0]!.path}: ${skipped[0]!.status === 'skipped' ? skipped[0]!.reason : ''}); every Brown text should be accepted.`, { domain: name });
  }
  if (expectedTrain) {
    const train = report.files.filter((f) => f.status === 'accepted' && f.splits.includes('train')).map((f) => f.path).sort();
    if (JSON.stringify(train) !== JSON.stringify([...expectedTrain].sort())) {
      throw new GroveError('internal', `BTM benchmark: the train split of ${name} is not the one the tokenizer was trained on (${train.length} vs ${expectedTrain.length} documents); the split plan and ingestion disagree.`, { domain: name });
    }
  }
  for (const s of role === 'random-split' ? (['train'] as const) : (['train', 'valid', 'test'] as const)) {
    if (role === 'held-out' && s === 'train') continue;
    if (report.splits[s].tokens === 0) throw new GroveError('bad_input', `BTM benchmark: the ${s} split of ${name} is empty; give that genre larger split fractions.`, { domain: name, split: s });
  }
  return { name, role, dir: out, splits: sizes(report) };
}

/** Deals documents into k parts after a seeded Fisher-Yates shuffle: part sizes differ by at most one. */
export function randomParts<T>(items: readonly T[], k: number, seed: number): T[][] {
  const shuffled = [...items];
  const rng = new Rng(seed, 'btm-random-split');
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const parts: T[][] = Array.from({ length: k }, () => []);
  shuffled.forEach((item, i) => parts[i % k]!.push(item));
  return parts;
}

export async function prepareCorpus(work: string, config: BtmConfig, log: (line: string) => void): Promise<BtmCorpus> {
  const folders = new Map<BrownGenre, string>();
  for (const genre of [...config.trainGenres, ...config.heldOutGenres]) folders.set(genre, writeBrownGenreFolder(genre, join(work, 'folders', genre)));
  const trainSettings = ingestSettings(config.trainSplit, config.seeds.split);
  const heldOutSettings = ingestSettings(config.heldOutSplit, config.seeds.split);

  // The tokenizer sees the training genres' train documents and nothing else.
  const trainDocs = config.trainGenres.map((genre) => ({ genre, files: plannedTrainDocuments(folders.get(genre)!, trainSettings) }));
  const texts = trainDocs.flatMap(({ genre, files }) => files.map((f) => readFileSync(join(folders.get(genre)!, f), 'utf8')));
  const trained = await trainByteLevelBpe(texts, { vocabSize: config.vocabSize });
  const tokenizerDir = join(work, 'tokenizer');
  mkdirSync(tokenizerDir, { recursive: true });
  await saveTokenizerFiles(tokenizerDir, trained);
  const tokenizer = corpusTokenizer(tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig));
  log(`  tokenizer: BPE ${config.vocabSize} on ${texts.length} training documents in ${trained.stats.seconds.toFixed(1)} s`);

  const genres: BtmDomain[] = [];
  for (const { genre, files } of trainDocs) genres.push(await ingestDomain(genre, 'train', folders.get(genre)!, join(work, 'domains', genre), tokenizer, trainSettings, files));
  for (const genre of config.heldOutGenres) genres.push(await ingestDomain(genre, 'held-out', folders.get(genre)!, join(work, 'domains', genre), tokenizer, heldOutSettings));

  const pooled = trainDocs.flatMap(({ genre, files }) => files.map((file) => ({ genre, file })));
  const randomSplits: BtmDomain[] = [];
  for (const [i, part] of randomParts(pooled, config.trainGenres.length, config.seeds.randomSplit).entries()) {
    const name = `random-${i + 1}`;
    const folder = join(work, 'folders', name);
    mkdirSync(folder, { recursive: true });
    // Brown file names (ca01, cb01, ...) are unique across genres, so the documents keep their names.
    for (const { genre, file } of part) copyFileSync(join(folders.get(genre)!, file), join(folder, file));
    randomSplits.push(await ingestDomain(name, 'random-split', folder, join(work, 'domains', name), tokenizer, ingestSettings({ valid: 0, test: 0 }, config.seeds.split)));
  }
  for (const d of [...genres, ...randomSplits]) log(`  ${d.role} ${d.name}: ${d.splits.train.documents}/${d.splits.valid.documents}/${d.splits.test.documents} documents, ${d.splits.train.tokens}/${d.splits.valid.tokens}/${d.splits.test.tokens} tokens (train/valid/test)`);
  return { tokenizerDir, tokenizer: { vocabSize: config.vocabSize, trainDocuments: texts.length, seconds: trained.stats.seconds }, genres, randomSplits };
}
