// A byte-level tokenizer (UTF-8 bytes are the ids, 256 = EOS): needs no training, fits uint16; for tests, benchmarks and byte-level seeds.
import type { CorpusTokenizer } from './types';

export class ByteTokenizer implements CorpusTokenizer {
  readonly vocabSize = 257;
  readonly eosId = 256;
  private readonly encoder = new TextEncoder();

  encode(text: string): Uint8Array {
    return this.encoder.encode(text);
  }

  decode(ids: ArrayLike<number>): string {
    const bytes = Uint8Array.from(Array.prototype.filter.call(ids, (id: number) => id < 256) as number[]);
    return new TextDecoder().decode(bytes);
  }
}
