// Bench suite "tokenizer": Grove's BPE encoder against Hugging Face's Rust `tokenizers` on the Brown corpus.
import { benchTokenizer } from '../tokenizer-bench';
import type { BenchSuite } from '../run';

export const tokenizerSuite: BenchSuite = {
  name: 'tokenizer',
  description: 'encode MB/s, Grove vs Hugging Face tokenizers (Rust), byte-level BPE trained on the Brown corpus',
  async run(ctx) {
    const r = await benchTokenizer({ rounds: ctx.quick ? 1 : 3, ...(ctx.quick ? { documents: 50 } : {}) });
    return {
      suite: 'tokenizer',
      figures: [
        {
          name: 'encode, one document per call',
          value: r.groveMBps,
          unit: 'MB/s',
          reference: { name: 'HF tokenizers', value: r.referenceMBps },
          note: `${r.megabytes.toFixed(1)} MB, ${r.documents} docs, vocab ${r.vocabSize}; target >= 0.5x`,
        },
        { name: 'HF tokenizers encodeBatch (multi-threaded)', value: r.referenceBatchMBps, unit: 'MB/s' },
        { name: 'BPE training time', value: r.trainSeconds, unit: 's' },
      ],
    };
  },
};
