// Ingest benchmark: MB/s end to end (walk -> shards) and peak RSS, on a generated text folder or any folder given.
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteTokenizer } from '../engine/corpus/byte-tokenizer';
import { ingestFolder } from '../engine/corpus/ingest';
import type { CorpusTokenizer } from '../engine/corpus/types';

export interface IngestBenchOptions {
  /** A folder to ingest; without one, a folder of `generatedMegabytes` of varied prose is generated. */
  folder?: string;
  generatedMegabytes?: number;
  /** How many files the generated text is spread over (1 = one big file, the streaming case). */
  generatedFiles?: number;
  tokenizer?: CorpusTokenizer;
}

export interface IngestBenchResult {
  folder: string;
  files: number;
  megabytes: number; // on disk, all files seen
  tokens: number;
  seconds: number;
  megabytesPerSecond: number;
  filesPerSecond: number;
  peakRssMegabytes: number;
}

const WORDS =
  'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can who out said what up its about into than them only other time new some could these two may first then do any like my now over such our man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long here get both between life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );

/** Writes `megabytes` of non-repeating prose in `files` files (so dedup keeps them all). */
export async function generateText(dir: string, megabytes: number, files: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  let s = 0x12345678;
  const next = (): number => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6b43a9b5) >>> 0);
  const perFile = Math.ceil((megabytes * 1e6) / files);
  for (let f = 0; f < files; f++) {
    const fh = await open(join(dir, `doc-${String(f).padStart(2, '0')}.txt`), 'w');
    let written = 0;
    while (written < perFile) {
      const words: string[] = [];
      for (let i = 0; i < 20_000; i++) words.push(WORDS[next() % WORDS.length]! + (next() % 13 === 0 ? '.\n' : ''));
      const chunk = `${words.join(' ')}\n\n`;
      await fh.write(chunk);
      written += chunk.length;
    }
    await fh.close();
  }
}

export async function benchIngest(options: IngestBenchOptions = {}): Promise<IngestBenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'grove-bench-ingest-'));
  try {
    const folder = options.folder ?? join(work, 'in');
    if (!options.folder) await generateText(folder, options.generatedMegabytes ?? 50, options.generatedFiles ?? 40);
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    const report = await ingestFolder({
      folder,
      out: join(work, 'out'),
      tokenizer: options.tokenizer ?? new ByteTokenizer(),
      settings: { minTrainTokens: 0 },
      onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)),
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    const megabytes = report.totals.bytes / 1e6;
    return {
      folder,
      files: report.totals.files,
      megabytes,
      tokens: report.totals.tokens,
      seconds,
      megabytesPerSecond: megabytes / seconds,
      filesPerSecond: report.totals.files / seconds,
      peakRssMegabytes: peak / 1e6,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
