// Per-token log-probabilities: log-softmax and top-k selection on their own, the tap passing the decoder's
// scores through unchanged while it keeps their log-softmax, and a whole reply (runReply) whose tokens carry
// figures that agree with the model run separately on the same text.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelPool } from '../../../src/app/infer/model-pool';
import { runReply } from '../../../src/app/infer/reply';
import { logSoftmax, LogprobTap, topIds, type TokenLogprob } from '../../../src/app/infer/token-logprobs';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { tempDir } from '../../helpers/tmp';
import { writeTinyModel } from '../../engine/hub/tiny-model';

const dir = tempDir();
const folder = join(dir, 'tiny');
const pool = new ModelPool({ run: { threads: 1 } });

beforeAll(() => writeTinyModel(folder));
afterAll(() => pool.close());

describe('logSoftmax and topIds', () => {
  it('normalises scores into log-probabilities, stable for large scores', () => {
    const log = logSoftmax(new Float32Array([1000, 1000 + Math.log(3), -Infinity]));
    expect(Math.exp(log[0]!)).toBeCloseTo(0.25, 5); // float32 input: 1000 + ln 3 is rounded
    expect(Math.exp(log[1]!)).toBeCloseTo(0.75, 5);
    expect(Math.exp(log[0]!) + Math.exp(log[1]!)).toBeCloseTo(1, 12);
    expect(log[2]).toBe(-Infinity);
  });

  it('picks the k largest, largest first, the lower id first on ties', () => {
    expect(topIds(new Float64Array([0.1, 0.5, 0.3, 0.5, -1]), 3)).toEqual([1, 3, 2]);
    expect(topIds(new Float64Array([2, 1]), 5)).toEqual([0, 1]);
    expect(topIds(new Float64Array([2, 1]), 0)).toEqual([]);
  });
});

describe('LogprobTap', () => {
  it('passes scores through and records the chosen token against them', async () => {
    const model = await LlamaModel.open(folder, { threads: 1 });
    const tokenizer = await loadTokenizer(folder);
    try {
      const ids = Array.from(tokenizer.encode('The forest grows', { addSpecialTokens: true }));
      const plain = model.decoder();
      const tap = new LogprobTap(model.decoder(), tokenizer, 2);
      expect(tap.maxContext).toBe(plain.maxContext);
      const a = Float32Array.from(await plain.prefill(ids));
      const b = await tap.prefill(ids);
      expect(Array.from(b)).toEqual(Array.from(a));
      const log = logSoftmax(a);
      const [best, second] = topIds(log, 2);
      tap.chose(second!);
      const [t] = tap.drain();
      expect(t).toEqual({
        token: tokenizer.decode([second!], { skipSpecialTokens: false }),
        bytes: [...Buffer.from(tokenizer.decode([second!], { skipSpecialTokens: false }), 'utf8')],
        logprob: log[second!],
        top: [best!, second!].map((id) => ({
          token: tokenizer.decode([id], { skipSpecialTokens: false }),
          bytes: [...Buffer.from(tokenizer.decode([id], { skipSpecialTokens: false }), 'utf8')],
          logprob: log[id],
        })),
      });
      expect(tap.drain()).toEqual([]);
      // The step after it: scores for the next position, unchanged too.
      expect(Array.from(await tap.step(second!))).toEqual(Array.from(await plain.step(second!)));
    } finally {
      await model.close();
    }
  });

  it('refuses a choice before any scores', async () => {
    const model = await LlamaModel.open(folder, { threads: 1 });
    try {
      const tokenizer = await loadTokenizer(folder);
      expect(() => new LogprobTap(model.decoder(), tokenizer, 1).chose(0)).toThrow(/before any scores/);
    } finally {
      await model.close();
    }
  });
});

describe('a reply with log-probabilities', () => {
  it('carries one entry per generated token, the greedy choice first among the alternatives', async () => {
    const tokens: TokenLogprob[] = [];
    let text = '';
    const r = await runReply(
      pool,
      {
        tokenizerDir: folder,
        input: { kind: 'text', text: 'Branch, train' },
        mix: { kind: 'single', model: { name: 'tiny', key: 'tiny', folder } },
        sampling: { temperature: 0, repetitionPenalty: 1 },
        maxTokens: 8,
        logprobs: 3,
      },
      { onDelta: (d, _w, lp) => ((text += d), tokens.push(...(lp ?? []))) },
    );
    expect(text).toBe(r.text);
    expect(tokens.length).toBe(r.tokens);
    for (const t of tokens) {
      expect(t.top.length).toBe(3);
      expect(t.top[0]).toEqual({ token: t.token, bytes: t.bytes, logprob: t.logprob });
    }
    // Without logprobs asked for, deltas carry none.
    await runReply(
      pool,
      {
        tokenizerDir: folder,
        input: { kind: 'text', text: 'Branch, train' },
        mix: { kind: 'single', model: { name: 'tiny', key: 'tiny', folder } },
        sampling: { temperature: 0 },
        maxTokens: 3,
      },
      { onDelta: (_d, _w, lp) => expect(lp).toBeUndefined() },
    );
  });
});
