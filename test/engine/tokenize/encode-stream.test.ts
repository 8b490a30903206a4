// Document-at-a-time encoding for corpora: framing with bos/eos and pulling documents lazily.
import { describe, expect, it } from 'vitest';
import { encodeDocument, encodeDocuments } from '../../../src/engine/tokenize/encode-stream';
import { tokenizerFromJson } from '../../../src/engine/tokenize/load';
import { llamaLegacyStyle, qwenStyle } from './fixtures';

describe('encodeDocuments', () => {
  const llama = tokenizerFromJson(llamaLegacyStyle());

  it('yields each document framed with bos and eos, equal to encoding it alone', async () => {
    const docs = ['Hello world', 'the café', ''];
    const out: number[][] = [];
    for await (const ids of encodeDocuments(llama, docs, { addBos: true, addEos: true })) out.push(Array.from(ids));
    expect(out).toEqual(docs.map((d) => [1, ...llama.encode(d), 2]));
  });

  it('pulls documents one at a time from an async source', async () => {
    let pulled = 0;
    async function* source(): AsyncGenerator<string> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield `document ${i}`;
      }
    }
    const it = encodeDocuments(llama, source(), { addEos: true });
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(pulled).toBe(1);
    await it.return(undefined);
  });

  it('refuses eos framing when the tokenizer has no eos token', () => {
    const qwen = tokenizerFromJson(qwenStyle(), { eos_token: null });
    expect(() => encodeDocument(qwen, 'x', { addEos: true })).toThrow(/addEos was asked for, but this tokenizer has no eos token/);
    expect(Array.from(encodeDocument(qwen, 'Hello'))).toEqual(Array.from(qwen.encode('Hello')));
  });
});
