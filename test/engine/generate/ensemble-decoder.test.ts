// The ensemble decoder over real tiny models (random weights, different seeds): one expert decodes exactly
// as that model alone; manual weights give the hand-computed mixture; the context posterior after the
// prompt and after each generated token equals DomainPosterior fed log-probabilities from an independent
// path (the score graph); a prompt fed in chunks scores and continues as one fed whole; top-k by prior
// opens and runs only k experts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleDecoder, logSoftmaxInto, type EnsembleExpert, type ExpertSession } from '../../../src/engine/generate/ensemble-decoder';
import { generate } from '../../../src/engine/generate/generate';
import { llamaExpertSession } from '../../../src/engine/generate/llama-expert';
import { DomainPosterior } from '../../../src/engine/forest/posterior';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const V = 96;
const models: LlamaModel[] = [];
const config = { architecture: 'LlamaForCausalLM', vocabSize: V, hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, tieWordEmbeddings: true, initializerRange: 0.4 } as const;
const prompt = [1, 17, 42, 5, 88, 23, 9];
const greedy = { temperature: 0, repetitionPenalty: 1 };

beforeAll(async () => {
  for (const seed of [11, 12, 13]) {
    await writeTestModel(join(dir, `m${seed}`), config, { seed });
    models.push(await LlamaModel.open(join(dir, `m${seed}`), { threads: 1 }));
  }
});
afterAll(async () => {
  for (const m of models) await m.close();
});

// Chunks of 3 prompt tokens: the KV cache is filled over several passes even for short prompts.
const expert = (i: number): EnsembleExpert => ({ name: `e${i}`, open: () => llamaExpertSession(models[i]!, { chunk: 3 }) });

/** log p_j(x_t | x_<t) for t = 1..n-1 from the score graph (no KV cache, log-softmax inside the graph). */
async function fullForwardLogProbs(model: LlamaModel, ids: number[]): Promise<Float64Array> {
  return Float64Array.from(await model.score(ids.slice(0, -1), ids.slice(1), 1));
}

function softmax(logits: Float32Array): Float64Array {
  const lsm = logSoftmaxInto(logits, new Float32Array(logits.length));
  return Float64Array.from(lsm, Math.exp);
}

describe('llamaExpertSession', () => {
  it('scores the prompt and continues from it the same whether it is fed whole or in chunks', async () => {
    const whole = await llamaExpertSession(models[0]!, { chunk: 1024 }).prefillScored(prompt);
    const chunked = llamaExpertSession(models[0]!, { chunk: 2 });
    const parts = await chunked.prefillScored(prompt);
    const reference = await fullForwardLogProbs(models[0]!, prompt);
    Array.from(parts.promptLogProbs).forEach((lp, t) => {
      expect(lp).toBeCloseTo(reference[t]!, 4);
      expect(lp).toBeCloseTo(whole.promptLogProbs[t]!, 4);
    });
    const plain = models[0]!.decoder();
    const next = await plain.prefill(prompt);
    // The same distribution (one may be logits, the other log-probabilities).
    const normalised = (l: Float32Array) => logSoftmaxInto(l, new Float32Array(l.length));
    const nextLogProbs = normalised(next);
    Array.from(normalised(parts.logits)).forEach((lp, x) => expect(lp).toBeCloseTo(nextLogProbs[x]!, 4));
    const after = await chunked.step(30);
    const plainAfter = normalised(await plain.step(30));
    // The expert's session gives log-probabilities already (normalised: true): they equal the plain decoder's, normalised.
    expect(chunked.normalised).toBe(true);
    Array.from(after).forEach((lp, x) => expect(lp).toBeCloseTo(plainAfter[x]!, 4));
    Array.from(parts.logits).forEach((lp, x) => expect(lp).toBeCloseTo(nextLogProbs[x]!, 4));
  });
});

describe('EnsembleDecoder', () => {
  it('with one expert, decodes exactly the ids that expert decodes alone', async () => {
    const alone = await generate(models[0]!.decoder(), prompt, { maxNewTokens: 12, sampling: greedy });
    const ensemble = new EnsembleDecoder({ experts: [expert(0)], prior: [1], weighting: { kind: 'posterior', settings: { kind: 'context' } } });
    const mixed = await generate(ensemble, prompt, { maxNewTokens: 12, sampling: greedy });
    expect(mixed.ids).toEqual(alone.ids);
    expect(ensemble.weights()).toEqual([{ name: 'e0', weight: 1 }]);
  });

  it('with manual weights, the next-token distribution is the weighted mixture of the experts, at every step', async () => {
    const ensemble = new EnsembleDecoder({ experts: [expert(0), expert(1)], prior: [7, 3], weighting: { kind: 'fixed' } });
    const a = models[0]!.decoder();
    const b = models[1]!.decoder();
    let mix = await ensemble.prefill(prompt);
    let pa = softmax(await a.prefill(prompt));
    let pb = softmax(await b.prefill(prompt));
    for (const next of [30, 31, 2]) {
      let total = 0;
      for (let x = 0; x < V; x++) {
        const expected = 0.7 * pa[x]! + 0.3 * pb[x]!;
        expect(Math.exp(mix[x]!)).toBeCloseTo(expected, 5);
        total += Math.exp(mix[x]!);
      }
      expect(total).toBeCloseTo(1, 5);
      expect(ensemble.accept(next).map((w) => w.weight)).toEqual([expect.closeTo(0.7, 12), expect.closeTo(0.3, 12)]);
      mix = await ensemble.step(next);
      pa = softmax(await a.step(next));
      pb = softmax(await b.step(next));
    }
  });

  it('with the context posterior, the weights after the prompt and after each token follow DomainPosterior on the experts’ log-probs', async () => {
    const prior = [0.5, 0.3, 0.2];
    const ensemble = new EnsembleDecoder({ experts: [0, 1, 2].map(expert), prior, weighting: { kind: 'posterior', settings: { kind: 'context', window: 8 } } });
    const seen: number[][] = [];
    const g = await generate(ensemble, prompt, {
      maxNewTokens: 6,
      sampling: { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 3 },
      onToken: (id) => seen.push(ensemble.accept(id).map((w) => w.weight)),
    });
    const all = [...prompt, ...g.ids];
    const perExpert = await Promise.all(models.map((m) => fullForwardLogProbs(m, all)));
    const reference = new DomainPosterior(prior, { kind: 'context', window: 8 });
    const column = (t: number) => perExpert.map((lp) => lp[t]!);
    for (let t = 0; t < prompt.length - 1; t++) reference.observe(column(t));
    // After the prompt alone (a fresh ensemble, no token generated yet).
    const fresh = new EnsembleDecoder({ experts: [0, 1, 2].map(expert), prior, weighting: { kind: 'posterior', settings: { kind: 'context', window: 8 } } });
    await fresh.prefill(prompt);
    fresh.weights().forEach((w, j) => expect(w.weight).toBeCloseTo(reference.weights()[j]!, 4));
    // After each generated token.
    g.ids.forEach((_, i) => {
      reference.observe(column(prompt.length - 1 + i));
      const want = reference.weights();
      seen[i]!.forEach((w, j) => expect(w).toBeCloseTo(want[j]!, 4));
    });
    expect(new Set(seen.map((w) => w[0]!.toFixed(6))).size).toBeGreaterThan(1); // the weights do move
  });

  it('with the last-token posterior, the weights after prefill are the prior times each expert’s probability of the last prompt token', async () => {
    const prior = [0.6, 0.4];
    const ensemble = new EnsembleDecoder({ experts: [expert(0), expert(1)], prior, weighting: { kind: 'posterior', settings: { kind: 'last-token' } } });
    await ensemble.prefill(prompt);
    const last = await Promise.all([0, 1].map(async (j) => (await fullForwardLogProbs(models[j]!, prompt)).at(-1)!));
    const unnorm = last.map((lp, j) => prior[j]! * Math.exp(lp));
    const z = unnorm[0]! + unnorm[1]!;
    ensemble.weights().forEach((w, j) => expect(w.weight).toBeCloseTo(unnorm[j]! / z, 5));
  });
});

/** A fake expert that counts how often it is opened and run; its logits favour token (prev + shift) % 8. */
class CountingExpert implements ExpertSession {
  static opened: string[] = [];
  calls = 0;
  readonly maxContext = 64;
  constructor(private readonly shift: number) {}
  private logits(prev: number): Float32Array {
    const l = new Float32Array(8).fill(0);
    l[(prev + this.shift) % 8] = 3;
    return l;
  }
  async prefillScored(ids: readonly number[]) {
    this.calls++;
    return { logits: this.logits(ids.at(-1)!), promptLogProbs: new Float32Array(ids.length - 1).fill(-2) };
  }
  async step(id: number) {
    this.calls++;
    return this.logits(id);
  }
}

describe('EnsembleDecoder cost', () => {
  it('top-k by prior opens and runs only the k experts with the largest prior', async () => {
    CountingExpert.opened = [];
    const sessions = new Map<string, CountingExpert>();
    const experts = ['a', 'b', 'c', 'd'].map((name, i): EnsembleExpert => ({
      name,
      open: () => {
        CountingExpert.opened.push(name);
        const s = new CountingExpert(i + 1);
        sessions.set(name, s);
        return s;
      },
    }));
    const ensemble = new EnsembleDecoder({ experts, prior: [0.1, 0.4, 0.2, 0.3], weighting: { kind: 'posterior', settings: { kind: 'context', topK: { k: 2, by: 'prior' } } } });
    expect(CountingExpert.opened).toEqual(['b', 'd']);
    expect(ensemble.runningExperts).toEqual(['b', 'd']);
    const g = await generate(ensemble, [0, 1, 2], { maxNewTokens: 5, sampling: greedy });
    expect(g.ids).toHaveLength(5);
    expect(sessions.get('b')!.calls).toBe(5); // 1 prefill + 4 steps, as one model would
    expect(sessions.get('d')!.calls).toBe(5);
    const w = ensemble.weights();
    expect(w.map((x) => x.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(w[0]!.weight).toBe(0);
    expect(w[2]!.weight).toBe(0);
    expect(w[1]!.weight + w[3]!.weight).toBeCloseTo(1, 12);
  });

  it('manual weights of 0 leave an expert closed', () => {
    CountingExpert.opened = [];
    const experts = ['a', 'b'].map((name, i): EnsembleExpert => ({ name, open: () => (CountingExpert.opened.push(name), new CountingExpert(i)) }));
    const ensemble = new EnsembleDecoder({ experts, prior: [0, 2], weighting: { kind: 'fixed' } });
    expect(CountingExpert.opened).toEqual(['b']);
    expect(ensemble.weights()).toEqual([{ name: 'a', weight: 0 }, { name: 'b', weight: 1 }]);
  });

  it('refuses an empty forest and weights that are all zero', () => {
    expect(() => new EnsembleDecoder({ experts: [], prior: [], weighting: { kind: 'fixed' } })).toThrow(/at least one expert/);
    const experts = [{ name: 'a', open: () => new CountingExpert(1) }];
    expect(() => new EnsembleDecoder({ experts, prior: [0], weighting: { kind: 'fixed' } })).toThrow(/all weights are zero/);
  });
});
