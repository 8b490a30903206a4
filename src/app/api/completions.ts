// Stateless completions for the OpenAI-compatible endpoint: a served name (served-models.ts) resolved against
// the forest, one reply run in the shared inference worker (the same one the app's chats use, so the models
// loaded for one are loaded for all), its text streamed back, nothing written to the catalog. The caller can
// stop it at any time (a client gone, a stop sequence reached); what was generated until then is the result.
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import type { ExpertWeight } from '../../engine/generate/ensemble-decoder';
import type { SamplingInput } from '../../engine/generate/sampling';
import type { InferenceHost } from '../infer/host';
import type { ModelQuant } from '../../engine/quant/plan';
import type { ResolvedMix } from '../infer/mix';
import type { ReplyRequest, ReplyResult } from '../infer/reply';
import type { TokenLogprob } from '../infer/token-logprobs';
import { forestTokenizerDir } from '../store/init';
import { resolveServedModel, servedModels, type ServedModel } from './served-models';

export interface CompletionRequest {
  /** A conversation to reply to, or text to continue. */
  input: ReplyRequest['input'];
  sampling: SamplingInput;
  maxTokens: number;
  /** Alternatives per token for log-probabilities; omitted: none. */
  logprobs?: number;
  /** Every model's weights in f32 or block-quantized to 8 or 4 bits; omitted: f32. */
  quant?: ModelQuant;
}

export type CompletionDelta = (text: string, weights: ExpertWeight[], logprobs?: TokenLogprob[]) => void;

export interface RunningCompletion {
  /** Settles when the reply ends; a stopped one resolves with finish 'aborted' and what it had generated. */
  done: Promise<ReplyResult>;
  /** Stops the reply (running, or still waiting in the worker's queue). */
  stop(): void;
}

export class CompletionCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly host: InferenceHost | null,
  ) {}

  /** Every name that can be asked for now, with its metadata. */
  models(): ServedModel[] {
    return servedModels(this.catalog, this.forestHome);
  }

  /** What `model` runs now; null when it names nothing served. */
  resolve(model: string): ResolvedMix | null {
    return resolveServedModel(this.catalog, this.forestHome, model);
  }

  start(mix: ResolvedMix, request: CompletionRequest, onDelta: CompletionDelta): RunningCompletion {
    if (!this.host)
      throw new GroveError(
        'unsupported',
        'This Grove process runs no inference worker, so it cannot generate; use the app or `grove serve`.',
      );
    const host = this.host;
    const reply: ReplyRequest = {
      tokenizerDir: forestTokenizerDir(this.forestHome),
      input: request.input,
      mix: mix.mix,
      sampling: request.sampling,
      maxTokens: request.maxTokens,
      ...(request.logprobs !== undefined ? { logprobs: request.logprobs } : {}),
      ...(request.quant ? { quant: request.quant } : {}),
    };
    const { id, done } = host.reply(reply, onDelta);
    return { done, stop: () => void host.stop(id) };
  }
}
