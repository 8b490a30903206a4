// The generation loop over a bigram language model (a real, if tiny, decoder: next-token logits depend
// only on the previous token), so every stop condition can be checked exactly.
import { describe, expect, it } from 'vitest';
import { generate, type Decoder } from '../../../src/engine/generate/generate';

/** Bigram LM over V=5 that deterministically prefers (prev + 1) % 5. */
class BigramDecoder implements Decoder {
  readonly maxContext: number;
  calls = 0;
  constructor(maxContext = 64) {
    this.maxContext = maxContext;
  }
  private logitsAfter(prev: number): Float32Array {
    const l = new Float32Array(5).fill(-5);
    l[(prev + 1) % 5] = 5;
    return l;
  }
  async prefill(ids: readonly number[]): Promise<Float32Array> {
    this.calls++;
    return this.logitsAfter(ids[ids.length - 1] as number);
  }
  async step(id: number): Promise<Float32Array> {
    this.calls++;
    return this.logitsAfter(id);
  }
}

const greedy = { temperature: 0, repetitionPenalty: 1 };

describe('generate', () => {
  it('streams tokens until the budget, prefilling once', async () => {
    const d = new BigramDecoder();
    const streamed: number[] = [];
    const g = await generate(d, [0], { maxNewTokens: 6, sampling: greedy, onToken: (id) => streamed.push(id) });
    expect(g).toEqual({ ids: [1, 2, 3, 4, 0, 1], finish: 'length' });
    expect(streamed).toEqual(g.ids);
    expect(d.calls).toBe(6); // 1 prefill + 5 steps: the last token needs no forward pass
  });

  it('stops at a stop token (not emitted) and at a stop string', async () => {
    expect(await generate(new BigramDecoder(), [1], { maxNewTokens: 10, sampling: greedy, stopTokens: [4] })).toEqual({
      ids: [2, 3],
      finish: 'stop-token',
    });
    const decode = (ids: readonly number[]) => ids.map((i) => 'abcde'[i]).join('');
    expect(await generate(new BigramDecoder(), [0], { maxNewTokens: 10, sampling: greedy, stopStrings: ['cd'], decode })).toEqual({
      ids: [1, 2, 3],
      finish: 'stop-string',
    });
  });

  it('stops at the context limit and on abort', async () => {
    expect(await generate(new BigramDecoder(4), [0, 1], { maxNewTokens: 10, sampling: greedy })).toEqual({
      ids: [2, 3],
      finish: 'context',
    });
    const controller = new AbortController();
    const g = await generate(new BigramDecoder(), [0], {
      maxNewTokens: 10,
      sampling: greedy,
      signal: controller.signal,
      onToken: (_id, i) => i === 2 && controller.abort(),
    });
    expect(g).toEqual({ ids: [1, 2, 3], finish: 'aborted' });
  });

  it('refuses an empty prompt', async () => {
    await expect(generate(new BigramDecoder(), [], { maxNewTokens: 1 })).rejects.toThrow(/at least one token/);
  });
});
