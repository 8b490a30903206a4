// Test helpers around the reference library (HF's Rust `tokenizers`): ids and text as plain arrays and strings.
import { referenceTokenizer } from '../../../src/bench/tokenizer-reference';
import type { ReferenceTokenizer } from '../../../src/bench/tokenizer-reference';

export interface Reference {
  ids(text: string, addSpecialTokens?: boolean): Promise<number[]>;
  text(ids: ArrayLike<number>, skipSpecialTokens?: boolean): Promise<string>;
}

export function reference(json: unknown): Reference {
  const tok: ReferenceTokenizer = referenceTokenizer(typeof json === 'string' ? json : JSON.stringify(json));
  return {
    ids: async (text, addSpecialTokens = false) => (await tok.encode(text, null, { addSpecialTokens })).getIds(),
    text: (ids, skip = false) => tok.decode(Array.from(ids), skip),
  };
}
