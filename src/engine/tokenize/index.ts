// Public surface of the tokenize layer: load Hugging Face tokenizers, encode corpora, train byte-level BPE.
export type { DecodeOptions, EncodeOptions, SpecialToken, SpecialTokens, Tokenizer } from './tokenizer';
export { loadTokenizer, tokenizerFromJson } from './load';
export { encodeDocument, encodeDocuments } from './encode-stream';
export type { DocumentEncodeOptions } from './encode-stream';
export { trainByteLevelBpe } from './train-bpe';
export type { BpeTrainingOptions, TrainedTokenizer } from './train-bpe';
export { saveTokenizerFiles, serializeJson } from './trained-json';
export { brownDocuments } from './brown';
