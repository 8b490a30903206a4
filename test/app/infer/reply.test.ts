// One reply end to end in this process: an instruct model gets its chat template, the streamed deltas add
// up to the saved text, an ensemble of two copies of one model writes what that model writes alone, and
// requests that cannot fit or mix are refused with the reason. Light experts (a base folder and an adapter
// folder): one alone writes what its base with its adapter writes; an ensemble of light experts and a full
// model writes what the experts run separately and mixed write, and keeps one base open for them.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPromptIds, readPromptStyle } from '../../../src/engine/generate/chat-prompt';
import { EnsembleDecoder } from '../../../src/engine/generate/ensemble-decoder';
import { generate, type Decoder } from '../../../src/engine/generate/generate';
import { llamaExpertSession } from '../../../src/engine/generate/llama-expert';
import { TextStream } from '../../../src/engine/generate/text-stream';
import { ModelPool } from '../../../src/app/infer/model-pool';
import { runReply, weightingOf, type ReplyModel, type ReplyRequest } from '../../../src/app/infer/reply';
import { writeAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig } from '../../../src/engine/model/config';
import { LORA_TARGETS, loraSpecs, type LoraConfig } from '../../../src/engine/model/lora';
import { elementCount } from '../../../src/engine/model/names';
import { Rng } from '../../../src/engine/model/rng';
import { loadAdapter, type LoadedAdapter } from '../../../src/engine/runtime/adapter-feeds';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTinyModel, TINY_CONFIG } from '../../engine/hub/tiny-model';

const dir = tempDir();
const instruct = join(dir, 'instruct');
const pool = new ModelPool({ run: { threads: 1 } });
const model = { name: 'tiny', key: 'tiny', folder: instruct };
const messages = [{ role: 'user', content: 'The forest grows' }];
const greedy = { temperature: 0, repetitionPenalty: 1 };

beforeAll(async () => {
  await writeTinyModel(instruct);
  await writeTestModel(join(dir, 'wide'), { ...TINY_CONFIG, vocabSize: 400 });
});
afterAll(() => pool.close());

describe('runReply', () => {
  it('renders the chat template for an instruct model and streams the reply it saves', async () => {
    const deltas: string[] = [];
    const r = await runReply(
      pool,
      { tokenizerDir: instruct, input: { kind: 'chat', messages }, mix: { kind: 'single', model }, sampling: greedy, maxTokens: 8 },
      { onDelta: (d, w) => (deltas.push(d), expect(w).toEqual([{ name: 'tiny', weight: 1 }])) },
    );
    const tokenizer = await loadTokenizer(instruct);
    const style = await readPromptStyle(instruct, tokenizer);
    expect(r.promptTokens).toBe(chatPromptIds(tokenizer, style, messages, 10_000).ids.length);
    expect(deltas.join('')).toBe(r.text);
    expect(r.tokens).toBeGreaterThan(0);
    expect(['length', 'stop-token']).toContain(r.finish);
  });

  it('writes with an ensemble of two copies of a model exactly what the model writes alone', async () => {
    const base: Omit<ReplyRequest, 'mix'> = {
      tokenizerDir: instruct,
      input: { kind: 'text', text: 'Branch, train' },
      sampling: greedy,
      maxTokens: 10,
    };
    const alone = await runReply(pool, { ...base, mix: { kind: 'single', model } });
    const twin = { ...model, name: 'twin' };
    const mixed = await runReply(pool, {
      ...base,
      mix: {
        kind: 'ensemble',
        experts: [model, twin],
        prior: [0.5, 0.5],
        weighting: { kind: 'posterior', posterior: 'context', window: null, topK: null },
      },
    });
    expect(mixed.text).toBe(alone.text);
    expect(mixed.posterior.map((w) => w.weight)).toEqual([expect.closeTo(0.5, 6), expect.closeTo(0.5, 6)]);
  });

  it('refuses a reply longer than the context, and models of different vocabularies', async () => {
    await expect(
      runReply(pool, {
        tokenizerDir: instruct,
        input: { kind: 'chat', messages },
        mix: { kind: 'single', model },
        sampling: greedy,
        maxTokens: 2047,
      }),
    ).rejects.toThrow(/leaves no room for the conversation/);
    const wide = { name: 'wide', key: 'wide', folder: join(dir, 'wide') };
    await expect(
      runReply(pool, {
        tokenizerDir: instruct,
        input: { kind: 'text', text: 'x' },
        mix: { kind: 'ensemble', experts: [model, wide], prior: [1, 1], weighting: { kind: 'fixed' } },
        sampling: greedy,
        maxTokens: 2,
      }),
    ).rejects.toThrow(/different vocabularies \(320, 400 tokens\)/);
  });
});

describe('runReply with light experts', () => {
  const text = 'Branch, train';
  const greedyText = { tokenizerDir: instruct, input: { kind: 'text' as const, text }, sampling: greedy, maxTokens: 10 };
  const lights: ReplyModel[] = [];
  const loaded: LoadedAdapter[] = [];
  beforeAll(async () => {
    const config = parseModelConfig(TINY_CONFIG);
    for (const [j, lora] of (
      [
        { rank: 2, alpha: 4, targets: LORA_TARGETS },
        { rank: 4, alpha: 4, targets: ['q_proj', 'v_proj', 'down_proj'] },
      ] as LoraConfig[]
    ).entries()) {
      const folder = join(dir, `adapter-${j}`);
      const tensors = new Map(
        loraSpecs(config, lora).map((s) => [s.name, new Rng(60 + j, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, 0.5)]),
      );
      await writeAdapterFolder(folder, { config, lora, baseModel: 'tiny', tensors });
      // A light expert: the base's key and folder, and its adapter.
      lights.push({ name: `light${j}`, key: 'tiny', folder: instruct, adapter: { key: `adapter-${j}`, folder } });
      loaded.push(await loadAdapter(folder, config));
    }
  });

  /** What `decoder` writes greedily after the reply's prompt, as the reply streams it (onToken: each token, as the reply's). */
  async function reference(decoder: Decoder, onToken?: (id: number) => void): Promise<string> {
    const tokenizer = await loadTokenizer(instruct);
    const style = await readPromptStyle(instruct, tokenizer);
    const prompt = Array.from(tokenizer.encode(text, { addSpecialTokens: true }));
    const g = await generate(decoder, prompt, {
      maxNewTokens: 10,
      sampling: greedy,
      stopTokens: style.stopTokens,
      ...(onToken ? { onToken } : {}),
    });
    const stream = new TextStream(tokenizer, prompt);
    for (const id of g.ids) stream.push(id);
    return stream.text;
  }

  it('a light expert alone writes what its base with its adapter writes', async () => {
    const [base] = await pool.use([model]);
    const r = await runReply(pool, { ...greedyText, mix: { kind: 'single', model: lights[0]! } });
    expect(r.text).toBe(await reference(base!.decoder({ adapter: loaded[0]! })));
    expect(r.text).not.toBe((await runReply(pool, { ...greedyText, mix: { kind: 'single', model } })).text); // the adapter matters
  });

  it('an ensemble of light experts and a full model writes what the separate experts mixed write, on one open base', async () => {
    const [base] = await pool.use([model]);
    const weighting = { kind: 'posterior', posterior: 'context', window: null, topK: null } as const;
    const r = await runReply(pool, {
      ...greedyText,
      mix: { kind: 'ensemble', experts: [model, ...lights], prior: [0.2, 0.5, 0.3], weighting },
    });
    const separate = new EnsembleDecoder({
      experts: [
        { name: 'tiny', open: () => llamaExpertSession(base!) },
        ...loaded.map((adapter, j) => ({ name: `light${j}`, open: () => llamaExpertSession(base!, { adapter }) })),
      ],
      prior: [0.2, 0.5, 0.3],
      weighting: weightingOf(weighting),
    });
    // The reply's posterior has seen every token it wrote (accept), the last one too.
    expect(r.text).toBe(await reference(separate, (id) => separate.accept(id)));
    expect(r.tokens).toBeGreaterThan(1);
    r.posterior.forEach((w, j) => expect(w.weight).toBeCloseTo(separate.weights()[j]!.weight, 5));
    expect(pool.openKeys.filter((k) => k === 'tiny')).toHaveLength(1);
    expect(pool.adapterKeys).toEqual(expect.arrayContaining(['adapter-0@tiny', 'adapter-1@tiny']));
  });
});
