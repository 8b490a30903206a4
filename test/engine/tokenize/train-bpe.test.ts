// Byte-level BPE training: same merges as HF's own trainer, deterministic files, reference-identical encoding, speed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { brownDocuments } from '../../../src/engine/tokenize/brown';
import { loadTokenizer, tokenizerFromJson } from '../../../src/engine/tokenize/load';
import { trainByteLevelBpe } from '../../../src/engine/tokenize/train-bpe';
import type { TrainedTokenizer } from '../../../src/engine/tokenize/train-bpe';
import { saveTokenizerFiles, serializeJson } from '../../../src/engine/tokenize/trained-json';
import { tempDir } from '../../helpers/tmp';
import { reference } from './reference';
import { SPECIAL_STRINGS, TRICKY_STRINGS } from './tricky-strings';

const dir = tempDir('grove-tokenize-');
const SAMPLE = [...brownDocuments(30)];

interface HfTrainable {
  setPreTokenizer(p: unknown): void;
  train(files: string[]): void;
  save(path: string, pretty?: boolean): void;
}
interface HfModule {
  Tokenizer: new (model: unknown) => HfTrainable;
  BPE: { empty(): unknown };
  byteLevelPreTokenizer(addPrefixSpace?: boolean, useRegex?: boolean): unknown;
}

describe('trainByteLevelBpe', () => {
  it("learns exactly the vocabulary and merges of HF's BpeTrainer on the same lines", async () => {
    // The npm binding trains only with HF's default BpeTrainer (vocab 30000, observed alphabet, no special tokens),
    // reading files line by line with the line endings kept; Grove is given the same lines and settings.
    const hf = createRequire(import.meta.url)('tokenizers') as HfModule;
    const file = join(dir, 'sample.txt');
    const text = SAMPLE.join('\n\n');
    writeFileSync(file, text);
    const hfTokenizer = new hf.Tokenizer(hf.BPE.empty());
    hfTokenizer.setPreTokenizer(hf.byteLevelPreTokenizer(false, true));
    hfTokenizer.train([file]);
    hfTokenizer.save(join(dir, 'hf-trained.json'));
    const hfModel = (JSON.parse(readFileSync(join(dir, 'hf-trained.json'), 'utf8')) as { model: { vocab: unknown; merges: unknown[] } })
      .model;

    const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    const grove = await trainByteLevelBpe(lines, { vocabSize: 30_000, specialTokens: [], initialAlphabet: 'observed' });
    const groveModel = grove.tokenizerJson['model'] as { vocab: unknown; merges: unknown[] };
    expect(groveModel.merges.length).toBeGreaterThan(1000);
    expect(groveModel.merges).toEqual(hfModel.merges);
    expect(groveModel.vocab).toEqual(hfModel.vocab);
  });

  it('gives byte-identical files for the same input, and different files for different input', async () => {
    const a = await trainByteLevelBpe(SAMPLE, { vocabSize: 1000 });
    const b = await trainByteLevelBpe(SAMPLE, { vocabSize: 1000 });
    const c = await trainByteLevelBpe(SAMPLE.slice(1), { vocabSize: 1000 });
    expect(serializeJson(a.tokenizerJson)).toBe(serializeJson(b.tokenizerJson));
    expect(serializeJson(a.tokenizerConfig)).toBe(serializeJson(b.tokenizerConfig));
    expect(serializeJson(c.tokenizerJson)).not.toBe(serializeJson(a.tokenizerJson));
    const dirA = join(dir, 'a');
    const dirB = join(dir, 'b');
    for (const [d, t] of [
      [dirA, a],
      [dirB, b],
    ] as const) {
      mkdirSync(d, { recursive: true });
      await saveTokenizerFiles(d, t);
    }
    expect(readFileSync(join(dirA, 'tokenizer.json'))).toEqual(readFileSync(join(dirB, 'tokenizer.json')));
  });

  it('refuses a vocabulary too small for the special tokens and the byte alphabet', async () => {
    const err = await trainByteLevelBpe(SAMPLE, { vocabSize: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroveError);
    expect((err as GroveError).code).toBe('bad_input');
    expect((err as GroveError).message).toMatch(/vocabSize 200.*258/);
  });
});

describe('a tokenizer trained on the Brown corpus', () => {
  let trained: TrainedTokenizer;
  let seconds = 0;
  beforeAll(async () => {
    const start = performance.now();
    trained = await trainByteLevelBpe(brownDocuments(), { vocabSize: 8192 });
    seconds = (performance.now() - start) / 1000;
  });

  it('trains on the whole corpus (about 6 MB) in seconds, to exactly the asked vocabulary size', () => {
    expect(trained.stats.documents).toBe(500);
    expect(seconds).toBeLessThan(30);
    const model = trained.tokenizerJson['model'] as { vocab: Record<string, number>; merges: unknown[] };
    expect(Object.keys(model.vocab)).toHaveLength(8192);
    expect(model.merges).toHaveLength(8192 - 2 - 256);
    expect(model.vocab['<|endoftext|>']).toBe(0);
    expect(model.vocab['<|pad|>']).toBe(1);
  });

  it('encodes and decodes exactly as Hugging Face tokenizers does with the saved file', async () => {
    const grove = tokenizerFromJson(trained.tokenizerJson, trained.tokenizerConfig);
    const ref = reference(serializeJson(trained.tokenizerJson));
    const brown = [...brownDocuments(3)];
    for (const text of [...TRICKY_STRINGS, ...SPECIAL_STRINGS, ...brown]) {
      const ids = await ref.ids(text);
      expect({ text: text.slice(0, 60), ids: Array.from(grove.encode(text)) }).toEqual({ text: text.slice(0, 60), ids });
      expect(grove.decode(ids)).toBe(await ref.text(ids));
      if (!/\p{Cs}/u.test(text)) expect(grove.decode(ids)).toBe(text);
    }
    expect(grove.encode('The jury said').length).toBeLessThan(5); // merges learned common words
  });

  it('is saved as tokenizer.json + tokenizer_config.json that load back with their special tokens', async () => {
    const out = join(dir, 'brown');
    mkdirSync(out, { recursive: true });
    await saveTokenizerFiles(out, trained);
    const loaded = await loadTokenizer(out);
    expect(loaded.vocabSize).toBe(8192);
    expect(loaded.special).toEqual({
      bos: { token: '<|endoftext|>', id: 0 },
      eos: { token: '<|endoftext|>', id: 0 },
      pad: { token: '<|pad|>', id: 1 },
    });
    expect(Array.from(loaded.encode('a<|pad|>b'))).toEqual([loaded.tokenToId('a'), 1, loaded.tokenToId('b')]);
  });
});
