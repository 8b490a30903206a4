// The ensemble decoder over real tiny models (random weights, different seeds): one expert decodes exactly
// as that model alone; manual weights give the hand-computed mixture; the context posterior after the
// prompt and after each generated token equals DomainPosterior fed log-probabilities from an independent
// path (the score graph); a prompt fed in chunks scores and continues as one fed whole; top-k by prior
// opens and runs only k experts. Light experts over one base run as one batch and give, token by token,
// the mixture and weights of the same experts run separately (context and last-token posteriors, top-k
// by prior and by position, alone and beside a full expert).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EnsembleDecoder,
  logSoftmaxInto,
  type EnsembleExpert,
  type ExpertBatch,
  type ExpertSession,
} from '../../../src/engine/generate/ensemble-decoder';
import { generate } from '../../../src/engine/generate/generate';
import { lightExpertBatch } from '../../../src/engine/generate/light-experts';
import { llamaExpertSession } from '../../../src/engine/generate/llama-expert';
import { DomainPosterior } from '../../../src/engine/forest/posterior';
import { writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { LORA_TARGETS, loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { loadAdapter, type LoadedAdapter } from '../../../src/engine/runtime/adapter-feeds';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const V = 96;
const models: LlamaModel[] = [];
const config = {
  architecture: 'LlamaForCausalLM',
  vocabSize: V,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  tieWordEmbeddings: true,
  initializerRange: 0.4,
} as const;
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
    const ensemble = new EnsembleDecoder({
      experts: [expert(0)],
      prior: [1],
      weighting: { kind: 'posterior', settings: { kind: 'context' } },
    });
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
    const ensemble = new EnsembleDecoder({
      experts: [0, 1, 2].map(expert),
      prior,
      weighting: { kind: 'posterior', settings: { kind: 'context', window: 8 } },
    });
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
    const fresh = new EnsembleDecoder({
      experts: [0, 1, 2].map(expert),
      prior,
      weighting: { kind: 'posterior', settings: { kind: 'context', window: 8 } },
    });
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
    const ensemble = new EnsembleDecoder({
      experts: [expert(0), expert(1)],
      prior,
      weighting: { kind: 'posterior', settings: { kind: 'last-token' } },
    });
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
    const ensemble = new EnsembleDecoder({
      experts,
      prior: [0.1, 0.4, 0.2, 0.3],
      weighting: { kind: 'posterior', settings: { kind: 'context', topK: { k: 2, by: 'prior' } } },
    });
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
    const experts = ['a', 'b'].map((name, i): EnsembleExpert => ({
      name,
      open: () => (CountingExpert.opened.push(name), new CountingExpert(i)),
    }));
    const ensemble = new EnsembleDecoder({ experts, prior: [0, 2], weighting: { kind: 'fixed' } });
    expect(CountingExpert.opened).toEqual(['b']);
    expect(ensemble.weights()).toEqual([
      { name: 'a', weight: 0 },
      { name: 'b', weight: 1 },
    ]);
  });

  it('refuses an empty forest and weights that are all zero', () => {
    expect(() => new EnsembleDecoder({ experts: [], prior: [], weighting: { kind: 'fixed' } })).toThrow(/at least one expert/);
    const experts = [{ name: 'a', open: () => new CountingExpert(1) }];
    expect(() => new EnsembleDecoder({ experts, prior: [0], weighting: { kind: 'fixed' } })).toThrow(/all weights are zero/);
  });
});

describe('EnsembleDecoder with light experts', () => {
  // Three light experts (ranks 2, 4, 3; one adapting only some projections) over one base, and a full model.
  const loras: LoraConfig[] = [
    { rank: 2, alpha: 4, targets: LORA_TARGETS },
    { rank: 4, alpha: 3, targets: ['q_proj', 'v_proj', 'up_proj', 'down_proj'] },
    { rank: 3, alpha: 6, targets: LORA_TARGETS },
  ];
  let adapters: LoadedAdapter[] = [];
  beforeAll(async () => {
    const base = models[0]!.config;
    adapters = await Promise.all(
      loras.map(async (lora, j) => {
        const tensors = new Map(
          loraSpecs(base, lora).map((s) => [s.name, new Rng(40 + j, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, 0.3)]),
        );
        const folder = join(dir, `adapter-${j}`);
        await writeAdapterFolder(folder, { config: base, lora, baseModel: 'm11', tensors });
        return loadAdapter(folder, base);
      }),
    );
  });

  /** Members opened per open() of a counting batch over the light experts. */
  const opened: number[][] = [];
  const batched = (): EnsembleExpert[] => {
    const batch = lightExpertBatch(models[0]!, adapters, { chunk: 4 });
    const counting: ExpertBatch = { open: (members) => (opened.push([...members]), batch.open(members)) };
    return adapters.map((_, j) => ({ name: `light${j}`, batch: counting, member: j }));
  };
  const separate = (): EnsembleExpert[] =>
    adapters.map((adapter, j) => ({ name: `light${j}`, open: () => llamaExpertSession(models[0]!, { chunk: 3, adapter }) }));
  const full: EnsembleExpert = { name: 'full', open: () => llamaExpertSession(models[1]!, { chunk: 3 }) };

  /** Prefill, then steps through `tokens`: the mixture and the weights after each, batched against separate sessions. */
  async function expectSameEnsemble(a: EnsembleDecoder, b: EnsembleDecoder): Promise<void> {
    const tokens = [30, 7, 51, 3, 12];
    let ma = await a.prefill(prompt);
    let mb = await b.prefill(prompt);
    for (const id of tokens) {
      // Within 1e-5 relative: these models' logits are large (initializer range 0.4), and float32 rounding
      // differs between the batched graph and the separate ones (other chunking, packing and rank).
      for (let x = 0; x < V; x++) expect(Math.abs(ma[x]! - mb[x]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(mb[x]!)));
      a.accept(id).forEach((w, j) => expect(w.weight).toBeCloseTo(b.accept(id)[j]!.weight, 5));
      ma = await a.step(id);
      mb = await b.step(id);
    }
  }

  it('runs the light experts as one batch and mixes exactly what separate runs mix (context posterior)', async () => {
    opened.length = 0;
    const weighting = { kind: 'posterior', settings: { kind: 'context', window: 8 } } as const;
    const a = new EnsembleDecoder({ experts: batched(), prior: [0.5, 0.3, 0.2], weighting });
    expect(opened).toEqual([[0, 1, 2]]);
    await expectSameEnsemble(a, new EnsembleDecoder({ experts: separate(), prior: [0.5, 0.3, 0.2], weighting }));
    expect(new Set(a.weights().map((w) => w.weight.toFixed(6))).size).toBe(3); // the posterior moved them apart
  });

  it('top-k by prior opens only the chosen light experts, in one batch', async () => {
    opened.length = 0;
    const weighting = { kind: 'posterior', settings: { kind: 'context', topK: { k: 2, by: 'prior' } } } as const;
    const a = new EnsembleDecoder({ experts: batched(), prior: [0.2, 0.5, 0.3], weighting });
    expect(opened).toEqual([[1, 2]]);
    expect(a.runningExperts).toEqual(['light1', 'light2']);
    await expectSameEnsemble(a, new EnsembleDecoder({ experts: separate(), prior: [0.2, 0.5, 0.3], weighting }));
    expect(a.weights()[0]!.weight).toBe(0);
  });

  it('mixes full and light experts: the full one on its own session, the light ones batched (top-k by position too)', async () => {
    for (const settings of [{ kind: 'last-token' }, { kind: 'context', topK: { k: 1, by: 'position' } }] as const) {
      opened.length = 0;
      const weighting = { kind: 'posterior', settings } as const;
      const a = new EnsembleDecoder({ experts: [full, ...batched()], prior: [0.4, 0.2, 0.2, 0.2], weighting });
      expect(opened).toEqual([[0, 1, 2]]);
      await expectSameEnsemble(a, new EnsembleDecoder({ experts: [full, ...separate()], prior: [0.4, 0.2, 0.2, 0.2], weighting }));
    }
  });
});
