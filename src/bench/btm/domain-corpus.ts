// The BTM benchmark's data from the user's own folders (`--domains DIR`): each sub-folder ingested by Grove's
// own ingester (src/engine/corpus, what `grove ingest` runs: any format it reads, its cleaning, deduplication,
// ignore rules and seeded split; skipped files reported, never fatal). The vocabulary must not see held-out
// text, but ingestion needs a tokenizer before it splits, so each domain is ingested twice:
//   1. with the byte-level tokenizer, whose shards ARE the cleaned UTF-8 text: the train split's text, cut at
//      each EOS into its documents (or runs of pieces), trains the BPE (or, with a seed model, nothing does);
//   2. with the final tokenizer; the split is checked to be the first pass's, file by file.
// Then every domain is checked for size (domain-size.ts), and the random-split control is the training
// domains' train texts dealt into k parts after a seeded shuffle, each ingested as a domain (all train).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { ByteTokenizer } from '../../engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../engine/corpus/ingest';
import { readManifest, splitShards } from '../../engine/corpus/manifest';
import { resolveSettings, type IngestSettingsInput } from '../../engine/corpus/settings';
import { corpusTokenizer, type CorpusTokenizer, type IngestReport, type ProgressListener } from '../../engine/corpus/types';
import { loadTokenizer } from '../../engine/tokenize/load';
import type { BtmConfig, DomainFolders } from './config';
import {
  logDomainSizes,
  randomParts,
  splitSizes,
  trainBenchTokenizer,
  type BtmCorpus,
  type BtmDomain,
  type DomainIngestion,
} from './corpus';
import { domainTooSmall } from './domain-size';

const BYTE_EOS = 256;

function settingsOf(domains: DomainFolders, seed: number, fractions = domains.splitFractions): IngestSettingsInput {
  // Size is checked by the benchmark (domain-size.ts), which says how much text is missing.
  return { validFraction: fractions.valid, testFraction: fractions.test, seed, minTrainTokens: 0 };
}

/** The train split's texts of a byte-tokenized domain: its shards cut at each EOS (a document, or a run of its pieces). */
async function trainTexts(domainDir: string): Promise<string[]> {
  const manifest = await readManifest(domainDir);
  const decoder = new TextDecoder();
  const texts: string[] = [];
  for (const shard of splitShards(domainDir, manifest, 'train')) {
    const raw = readFileSync(shard.path);
    const ids = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    let start = 0;
    for (let i = 0; i <= ids.length; i++) {
      if (i < ids.length && ids[i] !== BYTE_EOS) continue;
      if (i > start) texts.push(decoder.decode(Uint8Array.from(ids.subarray(start, i))));
      start = i + 1;
    }
  }
  return texts;
}

/** The first texts of each domain up to `bytes` in all: the tokenizer's sample, bounded on big folders. */
function sample(texts: readonly string[], bytes: number): string[] {
  const out: string[] = [];
  let total = 0;
  for (const t of texts) {
    if (total >= bytes) break;
    out.push(t);
    total += Buffer.byteLength(t);
  }
  return out;
}

function ingestion(domain: string, role: DomainIngestion['role'], report: IngestReport): DomainIngestion {
  const skipped = report.files.flatMap((f) => (f.status === 'skipped' ? [{ path: f.path, reason: f.reason, detail: f.detail }] : []));
  return {
    domain,
    role,
    files: report.totals.files,
    accepted: report.totals.accepted,
    splitBy: report.splitBy,
    skippedBy: report.totals.skippedBy,
    skipped,
  };
}

/** The final ingestion must split exactly as the byte pass did: the tokenizer was trained on that train split. */
function checkSameSplit(name: string, first: IngestReport, second: IngestReport): void {
  const key = (r: IngestReport) => JSON.stringify([r.splitBy, r.files.map((f) => [f.path, f.status === 'accepted' ? f.splits : f.reason])]);
  if (key(first) !== key(second)) {
    throw new GroveError(
      'internal',
      `BTM benchmark: domain "${name}" split differently under the trained tokenizer than under the byte tokenizer it was planned with (split by ${first.splitBy}, then by ${second.splitBy}); its tokenizer may have seen held-out text. Add a few documents to the domain so that no file holds half of its text.`,
      { domain: name },
    );
  }
}

async function finalTokenizer(
  config: BtmConfig,
  domains: DomainFolders,
  texts: string[][],
  work: string,
  log: (line: string) => void,
): Promise<{ tokenizer: CorpusTokenizer; tokenizerDir: string; vocabSize: number; seconds: number; documents: number }> {
  if (domains.seedModel) {
    const tokenizer = corpusTokenizer(await loadTokenizer(domains.seedModel));
    log(`  tokenizer: the seed model's (${tokenizer.vocabSize} tokens)`);
    return { tokenizer, tokenizerDir: domains.seedModel, vocabSize: tokenizer.vocabSize, seconds: 0, documents: 0 };
  }
  const sampled = texts.flatMap((t) => sample(t, domains.tokenizerSampleBytes));
  const tokenizerDir = join(work, 'tokenizer');
  const { tokenizer, seconds } = await trainBenchTokenizer(sampled, config.vocabSize, tokenizerDir);
  log(`  tokenizer: BPE ${config.vocabSize} on ${sampled.length} training texts in ${seconds.toFixed(1)} s`);
  return { tokenizer, tokenizerDir, vocabSize: config.vocabSize, seconds, documents: sampled.length };
}

/** Ingestion's progress as the benchmark's progress text: which domain, which pass, files done. */
function ingestProgress(show: (text: string) => void, what: string): ProgressListener {
  return (p) => show(`corpus: ingesting ${what}, ${p.phase} ${p.filesDone}/${p.filesTotal} files`);
}

export async function prepareFolderCorpus(
  work: string,
  config: BtmConfig,
  domains: DomainFolders,
  log: (line: string) => void,
  show: (text: string) => void = () => undefined,
): Promise<BtmCorpus> {
  const named = [
    ...config.trainGenres.map((name) => ({ name, role: 'train' as const })),
    ...config.heldOutGenres.map((name) => ({ name, role: 'held-out' as const })),
  ];
  const settings = settingsOf(domains, config.seeds.split);
  const firstPass = new Map<string, IngestReport>();
  const texts: string[][] = [];
  for (const { name, role } of named) {
    const out = join(work, 'bytes', name);
    const report = await ingestFolder({
      folder: join(domains.root, name),
      out,
      tokenizer: new ByteTokenizer(),
      settings,
      onProgress: ingestProgress(show, `${name} (text pass)`),
    });
    firstPass.set(name, report);
    if (role === 'train') texts.push(await trainTexts(out));
  }
  const tok = await finalTokenizer(config, domains, texts, work, log);

  const windowTokens = config.contextLength + 1;
  const rules = { windowTokens, fractions: domains.splitFractions, pieceChars: resolveSettings(settings).pieceChars };
  const genres: BtmDomain[] = [];
  const kept: DomainIngestion[] = [];
  for (const { name, role } of named) {
    const folder = join(domains.root, name);
    const dir = join(work, 'domains', name);
    const report = await ingestFolder({ folder, out: dir, tokenizer: tok.tokenizer, settings, onProgress: ingestProgress(show, name) });
    checkSameSplit(name, firstPass.get(name)!, report);
    const tooSmall = domainTooSmall(name, folder, report.splits, role, rules);
    if (tooSmall) throw tooSmall;
    genres.push({ name, role, dir, splits: splitSizes(report) });
    kept.push(ingestion(name, role, report));
    const skipped = report.totals.skipped;
    if (skipped > 0)
      log(
        `  ${name}: ${skipped} of ${report.totals.files} files skipped (${Object.entries(report.totals.skippedBy)
          .map(([r, n]) => `${n} ${r}`)
          .join(', ')})`,
      );
  }

  // The control: the same train texts, dealt at random. Each text is a file named after its domain and index.
  const pooled = texts.flatMap((list, d) => list.map((text, i) => ({ file: `${config.trainGenres[d]}-${i + 1}.txt`, text })));
  const randomSplits: BtmDomain[] = [];
  for (const [i, part] of randomParts(pooled, config.trainGenres.length, config.seeds.randomSplit).entries()) {
    const name = `random-${i + 1}`;
    const folder = join(work, 'control-folders', name);
    mkdirSync(folder, { recursive: true });
    for (const { file, text } of part) writeFileSync(join(folder, file), text);
    const dir = join(work, 'control', name);
    const report = await ingestFolder({
      folder,
      out: dir,
      tokenizer: tok.tokenizer,
      settings: settingsOf(domains, config.seeds.split, { valid: 0, test: 0 }),
    });
    if (report.splits.train.tokens < windowTokens)
      throw new GroveError(
        'bad_input',
        `BTM benchmark: the random-split part ${name} holds ${report.splits.train.tokens} tokens, under one window (${windowTokens}); the training domains need more text.`,
        { part: name },
      );
    randomSplits.push({ name, role: 'random-split', dir, splits: splitSizes(report) });
  }
  logDomainSizes([...genres, ...randomSplits], log);
  return {
    tokenizerDir: tok.tokenizerDir,
    tokenizer: { vocabSize: tok.vocabSize, trainDocuments: tok.documents, seconds: tok.seconds },
    genres,
    randomSplits,
    ingestion: kept,
  };
}
