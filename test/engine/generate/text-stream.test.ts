// Streaming text from generated ids: deltas add up to the decoded text, a character split across tokens
// is held back until complete, and a continuation keeps its leading space under a SentencePiece decoder
// (which strips the first token's space when the ids are decoded alone).
import { describe, expect, it } from 'vitest';
import { TextStream } from '../../../src/engine/generate/text-stream';
import { tokenizerFromJson } from '../../../src/engine/tokenize/load';
import { llamaLegacyStyle, smolStyle } from '../tokenize/fixtures';

describe('TextStream', () => {
  it('streams byte-level tokens, holding back a character split across tokens', () => {
    const tokenizer = tokenizerFromJson(smolStyle());
    const text = 'Snow ☃ and café';
    const ids = Array.from(tokenizer.encode(text));
    const stream = new TextStream(tokenizer);
    const deltas = ids.map((id) => stream.push(id));
    expect(deltas.join('') + stream.flush()).toBe(text);
    expect(deltas.some((d) => d.includes('\uFFFD'))).toBe(false);
    expect(deltas.filter((d) => d === '').length).toBeGreaterThan(0); // ☃ is three bytes
    expect(stream.text).toBe(text);
  });

  it('keeps the leading space of a continuation under a SentencePiece decoder', () => {
    const tokenizer = tokenizerFromJson(llamaLegacyStyle());
    const prompt = Array.from(tokenizer.encode('Hello world', { addSpecialTokens: true }));
    const continuation = [tokenizer.tokenToId('▁the')!, tokenizer.tokenToId('▁world')!];
    expect(tokenizer.decode(continuation)).toBe('the world'); // decoded alone, the space is stripped
    const stream = new TextStream(tokenizer, prompt);
    expect(continuation.map((id) => stream.push(id)).join('')).toBe(' the world');
    // Without a prompt there is nothing to anchor to: the text is what the ids alone decode to.
    const bare = new TextStream(tokenizer);
    expect(continuation.map((id) => bare.push(id)).join('')).toBe('the world');
  });
});
