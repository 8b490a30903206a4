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
import { corpusTokenizer, type CorpusTokenizer, type IngestReport, type SkipReason, type Split } from '../../engine/corpus/types';
import { Rng } from '../../engine/model/rng';
import { writeBrownGenreFolder, type BrownGenre } from '../../engine/tokenize/brown';
import { tokenizerFromJson } from '../../engine/tokenize/load';
import { saveTokenizerFiles } from '../../engine/tokenize/trained-json';
import { trainByteLevelBpe } from '../../engine/tokenize/train-bpe';
import type { BtmConfig, SplitDocuments } from './config';

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
  /** Folder domains only: what ingestion accepted and skipped in each (Brown's texts are all accepted). */
  ingestion?: DomainIngestion[];
}

/** One folder domain's ingestion, kept for the report: every skipped file with its reason. */
export interface DomainIngestion {
  domain: string;
  role: 'train' | 'held-out';
  files: number;
  accepted: number;
  splitBy: 'document' | 'piece';
  skippedBy: Partial<Record<SkipReason, number>>;
  skipped: { path: string; reason: SkipReason; detail: string }[];
}

/** Ingest settings of the benchmark: split by document always (Brown texts are all about 2,000 words). */
export function ingestSettings(fractions: { valid: number; test: number }, seed: number): IngestSettingsInput {
  return { validFraction: fractions.valid, testFraction: fractions.test, seed, minDocumentsToSplitByDocument: 3, minTrainTokens: 0 };
}

function txtFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.txt'))
    .sort();
}

/** Ingestion's own split plan for these documents (by document: it depends on the names and the seed only). */
function plan(files: readonly string[], fractions: { valid: number; test: number }, seed: number): Map<string, Split> {
  const pieces = planSplit(
    files.map((path) => ({ path, tokens: 1, pieces: 1 })),
    resolveSettings(ingestSettings(fractions, seed)),
  ).pieces;
  return new Map(files.map((f) => [f, pieces.get(f)![0]!]));
}

const count = (p: Map<string, Split>, split: Split) => [...p.values()].filter((s) => s === split).length;

/** The smallest x in (0, hi] with at least `want` documents by `have(x)` (non-decreasing in x), by bisection. */
function smallestFraction(have: (x: number) => number, want: number, hi: number): number {
  let lo = 0;
  for (let i = 0; i < 48; i++) {
    const mid = (lo + hi) / 2;
    if (have(mid) >= want) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Valid and test fractions that make ingestion's plan put exactly `docs.valid` and `docs.test` documents of
 * this folder into those splits: a document goes to valid when its seeded score is below the valid fraction,
 * to test when below valid + test, so each count steps up by one at each score and bisection finds the step.
 */
export function exactSplitFractions(files: readonly string[], docs: SplitDocuments, seed: number): { valid: number; test: number } {
  if (docs.valid < 1 || docs.test < 1 || docs.valid + docs.test >= files.length) {
    throw new GroveError(
      'bad_input',
      `BTM benchmark: ${files.length} documents cannot give ${docs.valid} valid and ${docs.test} test documents and keep some for training; lower splitDocuments.`,
      { documents: files.length, ...docs },
    );
  }
  const valid = smallestFraction((v) => count(plan(files, { valid: v, test: 0 }, seed), 'valid'), docs.valid, 0.5);
  const test = smallestFraction((t) => count(plan(files, { valid, test: t }, seed), 'test'), docs.test, Math.min(0.5, 0.899 - valid));
  const got = plan(files, { valid, test }, seed);
  if (count(got, 'valid') !== docs.valid || count(got, 'test') !== docs.test) {
    throw new GroveError(
      'internal',
      `BTM benchmark: no split fractions give exactly ${docs.valid} valid and ${docs.test} test documents of ${files.length} (two documents share a split score); change seeds.split.`,
      { ...docs },
    );
  }
  return { valid, test };
}

export function splitSizes(report: IngestReport): Record<Split, SplitSize> {
  const out = {} as Record<Split, SplitSize>;
  for (const s of ['train', 'valid', 'test'] as const)
    out[s] = { documents: report.splits[s].documents, tokens: report.splits[s].tokens, textBytes: report.splits[s].textBytes };
  return out;
}

export async function ingestDomain(
  name: string,
  role: BtmDomain['role'],
  folder: string,
  out: string,
  tokenizer: CorpusTokenizer,
  settings: IngestSettingsInput,
  planned?: Map<string, Split>,
): Promise<BtmDomain> {
  const report = await ingestFolder({ folder, out, tokenizer, settings });
  const skipped = report.files.filter((f) => f.status === 'skipped');
  if (skipped.length > 0) {
    throw new GroveError(
      'internal',
      `BTM benchmark: ingesting ${name} skipped ${skipped.length} document(s) (${skipped[0]!.path}: ${skipped[0]!.status === 'skipped' ? skipped[0]!.reason : ''}); every Brown text should be accepted.`,
      { domain: name },
    );
  }
  // The tokenizer was trained on the planned train split: ingestion must have made the very same split.
  for (const f of planned ? report.files : []) {
    const want = planned!.get(f.path);
    if (f.status !== 'accepted' || f.splits.length !== 1 || f.splits[0] !== want) {
      throw new GroveError(
        'internal',
        `BTM benchmark: ingestion put ${name}/${f.path} into ${f.status === 'accepted' ? f.splits.join('+') : 'no split'}, but the plan the tokenizer was trained by says ${want}.`,
        { domain: name, file: f.path },
      );
    }
  }
  for (const s of role === 'random-split' ? (['train'] as const) : (['train', 'valid', 'test'] as const)) {
    if (report.splits[s].tokens === 0)
      throw new GroveError('bad_input', `BTM benchmark: the ${s} split of ${name} is empty; change splitDocuments.`, {
        domain: name,
        split: s,
      });
  }
  return { name, role, dir: out, splits: splitSizes(report) };
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

/** Byte-level BPE of `vocabSize` trained on `texts`, saved in `dir` (the folder every model's tokenizer check reads). */
export async function trainBenchTokenizer(
  texts: readonly string[],
  vocabSize: number,
  dir: string,
): Promise<{ tokenizer: CorpusTokenizer; seconds: number }> {
  const trained = await trainByteLevelBpe(texts, { vocabSize });
  mkdirSync(dir, { recursive: true });
  await saveTokenizerFiles(dir, trained);
  return { tokenizer: corpusTokenizer(tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig)), seconds: trained.stats.seconds };
}

/** One log line per domain: documents and tokens of each split. */
export function logDomainSizes(domains: readonly BtmDomain[], log: (line: string) => void): void {
  for (const d of domains)
    log(
      `  ${d.role} ${d.name}: ${d.splits.train.documents}/${d.splits.valid.documents}/${d.splits.test.documents} documents, ${d.splits.train.tokens}/${d.splits.valid.tokens}/${d.splits.test.tokens} tokens (train/valid/test)`,
    );
}

export async function prepareCorpus(work: string, config: BtmConfig, log: (line: string) => void): Promise<BtmCorpus> {
  const folders = new Map<string, string>();
  // Without `domains`, config.ts has checked that every name is a Brown genre.
  for (const genre of [...config.trainGenres, ...config.heldOutGenres])
    folders.set(genre, writeBrownGenreFolder(genre as BrownGenre, join(work, 'folders', genre)));
  const fractions = new Map<string, { valid: number; test: number }>();
  for (const [genre, folder] of folders)
    fractions.set(genre, exactSplitFractions(txtFiles(folder), config.splitDocuments, config.seeds.split));
  const settingsOf = (genre: string) => ingestSettings(fractions.get(genre)!, config.seeds.split);

  const plans = new Map([...folders].map(([genre, folder]) => [genre, plan(txtFiles(folder), fractions.get(genre)!, config.seeds.split)]));

  // The tokenizer sees the training genres' train documents and nothing else.
  const trainDocs = config.trainGenres.map((genre) => ({
    genre,
    files: [...plans.get(genre)!].filter(([, split]) => split === 'train').map(([f]) => f),
  }));
  const texts = trainDocs.flatMap(({ genre, files }) => files.map((f) => readFileSync(join(folders.get(genre)!, f), 'utf8')));
  const tokenizerDir = join(work, 'tokenizer');
  const { tokenizer, seconds } = await trainBenchTokenizer(texts, config.vocabSize, tokenizerDir);
  log(`  tokenizer: BPE ${config.vocabSize} on ${texts.length} training documents in ${seconds.toFixed(1)} s`);

  const genres: BtmDomain[] = [];
  for (const genre of config.trainGenres)
    genres.push(
      await ingestDomain(genre, 'train', folders.get(genre)!, join(work, 'domains', genre), tokenizer, settingsOf(genre), plans.get(genre)),
    );
  for (const genre of config.heldOutGenres)
    genres.push(
      await ingestDomain(
        genre,
        'held-out',
        folders.get(genre)!,
        join(work, 'domains', genre),
        tokenizer,
        settingsOf(genre),
        plans.get(genre),
      ),
    );

  const pooled = trainDocs.flatMap(({ genre, files }) => files.map((file) => ({ genre, file })));
  const randomSplits: BtmDomain[] = [];
  for (const [i, part] of randomParts(pooled, config.trainGenres.length, config.seeds.randomSplit).entries()) {
    const name = `random-${i + 1}`;
    const folder = join(work, 'folders', name);
    mkdirSync(folder, { recursive: true });
    // Brown file names (ca01, cb01, ...) are unique across genres, so the documents keep their names.
    for (const { genre, file } of part) copyFileSync(join(folders.get(genre)!, file), join(folder, file));
    randomSplits.push(
      await ingestDomain(
        name,
        'random-split',
        folder,
        join(work, 'domains', name),
        tokenizer,
        ingestSettings({ valid: 0, test: 0 }, config.seeds.split),
      ),
    );
  }
  logDomainSizes([...genres, ...randomSplits], log);
  return { tokenizerDir, tokenizer: { vocabSize: config.vocabSize, trainDocuments: texts.length, seconds }, genres, randomSplits };
}
