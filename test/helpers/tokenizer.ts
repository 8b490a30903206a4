// A small byte-level BPE tokenizer trained by Grove itself, written as tokenizer.json for tests.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { saveTokenizerFiles, trainByteLevelBpe } from '../../src/engine/tokenize';

const TEXT = [
  'The forest grows one expert per domain of text.',
  'Branch, train, merge: each expert is trained on its own folder.',
  'Ensembles weigh experts by a Bayesian domain posterior.',
  'A collapsed model is the weighted average of the experts.',
];

export async function writeTestTokenizer(dir: string, vocabSize = 320): Promise<string> {
  const trained = await trainByteLevelBpe(TEXT, { vocabSize });
  mkdirSync(join(dir, 'tokenizer'), { recursive: true });
  const { tokenizerPath } = await saveTokenizerFiles(join(dir, 'tokenizer'), trained);
  return tokenizerPath;
}
