// One reply (or one continuation): the prompt built for the model kind, one model or an ensemble of
// experts decoding it, text streamed as it comes with the weights after each token. A light expert runs on
// its base's sessions with its adapter fed; the light experts of an ensemble over one base run as one
// batched pass, the full experts each on their own beside them. Runs wherever models
// may run: the inference worker (app, `grove serve`) and the CLI process (`grove chat`, `grove generate`).
// The request is plain JSON, since it crosses a process boundary.
import { GroveError } from '../../shared/api/errors';
import type { ModelQuant } from '../../engine/quant/plan';
import { chatPromptIds, readPromptStyle, type ChatMessage } from '../../engine/generate/chat-prompt';
import {
  EnsembleDecoder,
  type EnsembleExpert,
  type EnsembleWeighting,
  type ExpertBatch,
  type ExpertWeight,
} from '../../engine/generate/ensemble-decoder';
import { generate, type Decoder, type FinishReason } from '../../engine/generate/generate';
import { lightExpertBatch } from '../../engine/generate/light-experts';
import { llamaExpertSession } from '../../engine/generate/llama-expert';
import type { SamplingInput } from '../../engine/generate/sampling';
import { TextStream } from '../../engine/generate/text-stream';
import type { PosteriorSettings } from '../../engine/forest/posterior';
import { clusterRoutingWeights, routedExperts } from '../../engine/forest/cluster-routing';
import { loadClustererAt } from '../forest/clusterer-store';
import type { LoadedAdapter } from '../../engine/runtime/adapter-feeds';
import type { LlamaModel } from '../../engine/runtime/llama-model';
import type { ModelPool, PooledModelRef } from './model-pool';
import { LogprobTap, type TokenLogprob } from './token-logprobs';

export interface ReplyModel extends PooledModelRef {
  name: string;
}

/** The weighting as JSON (a whole-context window is null, not Infinity). */
export type ReplyWeighting =
  | { kind: 'fixed' }
  /** c-BTM: fixed weights for the reply, from the input text's distance to the clusters of the forest home's clusterer (`clusterer`: its folder). */
  | { kind: 'clusters'; clusterer: string; topK: number | null }
  | { kind: 'posterior'; posterior: 'context' | 'last-token'; window: number | null; topK: { k: number; by: 'prior' | 'position' } | null };

export type ReplyMix =
  { kind: 'single'; model: ReplyModel } | { kind: 'ensemble'; experts: ReplyModel[]; prior: number[]; weighting: ReplyWeighting };

export interface ReplyRequest {
  /** The folder of the tokenizer the models share (tokenizer.json and its config files). */
  tokenizerDir: string;
  /** A conversation to reply to (chat), or text to continue as it is (generate). */
  input: { kind: 'chat'; messages: ChatMessage[] } | { kind: 'text'; text: string };
  mix: ReplyMix;
  sampling: SamplingInput;
  maxTokens: number;
  /** ONNX Runtime threads for the models (0 or omitted: the worker's default). */
  threads?: number;
  /** Every model's matrices in f32 or block-quantized to 8 or 4 bits (omitted: the pool's default, f32). */
  quant?: ModelQuant;
  /** Each generated token's log-probability, with this many most likely alternatives (0-20); omitted: none. */
  logprobs?: number;
}

export interface ReplyResult {
  text: string;
  tokens: number;
  promptTokens: number;
  finish: FinishReason;
  /** Each model's weight after the last token (one model: weight 1). */
  posterior: ExpertWeight[];
  /** What was left out of a long conversation so the reply fits the context. */
  dropped: { messages: number; tokens: number };
}

export interface ReplyHooks {
  signal?: AbortSignal;
  /**
   * New text and the weights after the token that completed it; with `logprobs` asked for, the tokens that made
   * it (the last call may then carry tokens whose text is empty). Otherwise never empty.
   */
  onDelta?(delta: string, weights: ExpertWeight[], logprobs?: TokenLogprob[]): void;
}

/** The text cluster routing reads: the conversation's messages (each its content), or the text to continue. */
export function routedText(input: ReplyRequest['input']): string {
  return input.kind === 'text' ? input.text : input.messages.map((m) => m.content).join('\n');
}

/** c-BTM's weights for the experts (in their order) from the input's text; experts outside the top k get 0 and never run. */
function clusterPrior(
  experts: readonly ReplyModel[],
  w: Extract<ReplyWeighting, { kind: 'clusters' }>,
  input: ReplyRequest['input'],
): number[] {
  const router = loadClustererAt(w.clusterer);
  if (!router)
    throw new GroveError(
      'not_found',
      `No clusterer in ${w.clusterer} to route by: the forest's discovered experts were removed or the forest moved. Route by the posterior.`,
    );
  const names = routedExperts(router);
  const weights = clusterRoutingWeights(router, routedText(input), w.topK !== null ? { topK: w.topK } : {});
  return experts.map((e) => {
    const j = names.indexOf(e.name);
    if (j < 0)
      throw new GroveError(
        'conflict',
        `Expert ${e.name} is not one the clusterer routes to (${names.join(', ')}); the discovery was made again since. Send the message again.`,
      );
    return weights[j]!;
  });
}

export function weightingOf(w: Exclude<ReplyWeighting, { kind: 'clusters' }>): EnsembleWeighting {
  if (w.kind === 'fixed') return w;
  const settings: PosteriorSettings =
    w.posterior === 'last-token' ? { kind: 'last-token' } : { kind: 'context', window: w.window ?? Infinity };
  return { kind: 'posterior', settings: w.topK ? { ...settings, topK: w.topK } : settings };
}

/**
 * The ensemble's experts: a full model on its own session, light experts as members of one batch per base
 * (the same open model), so the ones that run share one batched pass.
 */
export function ensembleExperts(
  refs: readonly ReplyModel[],
  models: readonly LlamaModel[],
  adapters: readonly (LoadedAdapter | undefined)[],
): EnsembleExpert[] {
  const batches = new Map<LlamaModel, { adapters: LoadedAdapter[]; batch: ExpertBatch }>();
  return refs.map((ref, j): EnsembleExpert => {
    const model = models[j]!;
    const adapter = adapters[j];
    if (!adapter) return { name: ref.name, open: () => llamaExpertSession(model) };
    let b = batches.get(model);
    if (!b) {
      const members: LoadedAdapter[] = [];
      b = { adapters: members, batch: lightExpertBatch(model, members) };
      batches.set(model, b);
    }
    b.adapters.push(adapter);
    return { name: ref.name, batch: b.batch, member: b.adapters.length - 1 };
  });
}

export async function runReply(pool: ModelPool, req: ReplyRequest, hooks: ReplyHooks = {}): Promise<ReplyResult> {
  if (!Number.isInteger(req.maxTokens) || req.maxTokens < 1)
    throw new GroveError('bad_input', `A reply needs room for at least one token; maxTokens is ${req.maxTokens}.`);
  const tokenizer = await pool.tokenizer(req.tokenizerDir);
  const refs = req.mix.kind === 'single' ? [req.mix.model] : req.mix.experts;
  const models = await pool.use(refs, req.threads, req.quant);
  const adapters = await pool.adapters(refs, models);
  const vocab = new Set(models.map((m) => m.config.vocabSize));
  if (vocab.size > 1)
    throw new GroveError(
      'bad_input',
      `These models have different vocabularies (${[...vocab].join(', ')} tokens): only models of one lineage (one tokenizer) can be mixed.`,
      { models: refs.map((r) => r.name) },
    );
  if (tokenizer.vocabSize > models[0]!.config.vocabSize)
    throw new GroveError(
      'bad_input',
      `The tokenizer has ${tokenizer.vocabSize} tokens but ${refs[0]!.name} embeds ${models[0]!.config.vocabSize}: they do not belong together.`,
    );

  let decoder: Decoder;
  let weights: () => ExpertWeight[];
  let accept: (id: number) => ExpertWeight[];
  if (req.mix.kind === 'single') {
    decoder = models[0]!.decoder(adapters[0] ? { adapter: adapters[0] } : {});
    const one = [{ name: req.mix.model.name, weight: 1 }];
    weights = () => one;
    accept = () => one;
  } else {
    const ensemble = new EnsembleDecoder({
      experts: ensembleExperts(req.mix.experts, models, adapters),
      ...(req.mix.weighting.kind === 'clusters'
        ? { prior: clusterPrior(req.mix.experts, req.mix.weighting, req.input), weighting: { kind: 'fixed' as const } }
        : { prior: req.mix.prior, weighting: weightingOf(req.mix.weighting) }),
    });
    decoder = ensemble;
    weights = () => ensemble.weights();
    accept = (id) => ensemble.accept(id);
  }

  const room = decoder.maxContext - req.maxTokens;
  const style = await readPromptStyle(req.tokenizerDir, tokenizer);
  let prompt: number[];
  let dropped = { messages: 0, tokens: 0 };
  if (req.input.kind === 'chat') {
    if (room < 2)
      throw new GroveError(
        'bad_input',
        `A reply of ${req.maxTokens} tokens leaves no room for the conversation in a context of ${decoder.maxContext}; ask for a shorter reply.`,
      );
    ({ ids: prompt, dropped } = chatPromptIds(tokenizer, style, req.input.messages, room));
  } else {
    prompt = Array.from(tokenizer.encode(req.input.text, { addSpecialTokens: true }));
    if (prompt.length === 0)
      throw new GroveError('bad_input', 'The prompt encodes to no tokens and the tokenizer adds no BOS token: give some text.');
  }

  const stream = new TextStream(tokenizer, prompt);
  const tap = req.logprobs === undefined ? null : new LogprobTap(decoder, tokenizer, req.logprobs);
  const result = await generate(tap ?? decoder, prompt, {
    maxNewTokens: req.maxTokens,
    sampling: req.sampling,
    stopTokens: style.stopTokens,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onToken: (id) => {
      const w = accept(id);
      tap?.chose(id);
      const delta = stream.push(id);
      if (delta) hooks.onDelta?.(delta, w, tap?.drain());
    },
  });
  const rest = stream.flush();
  const left = tap?.drain();
  if (rest || left?.length) hooks.onDelta?.(rest, weights(), left);
  return {
    text: stream.text,
    tokens: result.ids.length,
    promptTokens: prompt.length,
    finish: result.finish,
    posterior: weights(),
    dropped,
  };
}
