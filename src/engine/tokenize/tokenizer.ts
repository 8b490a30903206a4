// The Tokenizer contract the rest of the engine uses: text <-> token ids, special tokens by role and id.

/** A special token: its text as it appears in the vocabulary, and its id. */
export interface SpecialToken {
  readonly token: string;
  readonly id: number;
}

/** Special tokens by role; a role the tokenizer does not define is absent. */
export interface SpecialTokens {
  readonly bos?: SpecialToken;
  readonly eos?: SpecialToken;
  readonly pad?: SpecialToken;
  readonly unk?: SpecialToken;
}

export interface EncodeOptions {
  /** Apply tokenizer.json's post_processor (e.g. Llama's leading <s>); false by default: raw text ids only. */
  readonly addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave special added tokens (e.g. <|endoftext|>) out of the text; false by default. */
  readonly skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** Number of embedding rows the ids need: one more than the largest id (model vocabulary and added tokens). */
  readonly vocabSize: number;
  readonly special: SpecialTokens;
  /** Token ids of `text`, exactly as Hugging Face `tokenizers` encodes it. */
  encode(text: string, options?: EncodeOptions): Uint32Array;
  /** Text of `ids`, exactly as Hugging Face `tokenizers` decodes them. */
  decode(ids: ArrayLike<number>, options?: DecodeOptions): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
}
