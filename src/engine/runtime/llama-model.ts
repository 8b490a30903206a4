// A Llama-family model ready to run: its decode and score graphs compiled next to its weights (external
// data, so the weights are not copied), and ONNX Runtime sessions over them. Offers scoring (per-token
// log-likelihoods), full logits, and a KV-cached Decoder for generation. A light expert runs on its base's
// LlamaModel: the same methods with its adapter (runtime/adapter-feeds.ts), on graphs compiled once per base
// with the adapters as run inputs (model/llama/graphs.ts), so every light expert over the base shares them;
// batchedDecoder runs k light experts as one pass, batch row j being expert j. With `quant` 8 or 4, the
// matrices run block-quantized (MatMulNBits over a quantized weights file made once beside the weights,
// quant/weight-file.ts), on every graph of the model, light experts' adapters included (they stay f32).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurableSync } from '../durable-write';
import type { Decoder } from '../generate/generate';
import { cacheForm, decodeGraph, INFER_GRAPHS_VERSION, scoreGraph, type QuantizedWeights } from '../model/llama/graphs';
import type { ModelConfig } from '../model/config';
import { readModelFolder } from '../model/folder';
import type { LoraTarget } from '../model/lora';
import type { TensorReader } from '../model/safetensors';
import { quantTypeOfModelQuant, type ModelQuant } from '../quant/plan';
import { ensureQuantWeights } from '../quant/weight-file';
import { batchAdapters, sharedAdapterFeeds, type LoadedAdapter } from './adapter-feeds';
import { derivedKey, quantWeightsPath } from '../model/derived-files';
import { DecodeCache, emptyPast } from './decode-cache';
import { KvCache } from './kv-cache';
import { createSession, ort, type OrtSession } from './ort';

export interface ModelRunOptions {
  threads?: number;
  providers?: string[];
  /** Profile every session op by op (ONNX Runtime's JSON profile, files starting with this prefix). */
  profilePrefix?: string;
  /** Rows a decoder's KV cache grows by (default KV_CACHE_STEP). */
  kvCacheStep?: number;
  /** The matrices in f32 (default) or block-quantized to 8 or 4 bits (quant/plan.ts); inference only. */
  quant?: ModelQuant;
}

/**
 * decode(-logprobs): the last position's logits (log-probabilities); decode-all(-logprobs): every position's;
 * decode-ensemble: batch rows as experts, the targets' log-probabilities, the last position's and their
 * mixture (graphs.ts; a batch of light experts' prompts and steps).
 */
export type GraphKind = 'decode' | 'decode-logprobs' | 'decode-all' | 'decode-all-logprobs' | 'decode-ensemble' | 'score';

/** The projections a graph's fed adapters target (a form for light experts), or null: the plain graph of a full model. */
export type AdapterTargets = readonly LoraTarget[] | null;

/** The quantized weights file of a model at `quant` (quant/weight-file.ts), made on first use; null for f32. */
async function quantizedWeights(config: ModelConfig, weights: TensorReader, quant: ModelQuant): Promise<QuantizedWeights | null> {
  if (quant === 'f32') return null;
  const type = quantTypeOfModelQuant(quant);
  const file = quantWeightsPath(config, weights, type);
  await ensureQuantWeights(file, config, weights, type);
  return { type, file };
}

/** Compiles a graph once per (kind, adapter targets, quantization, config, weights file, Grove version); later opens reuse the file. */
function compiledGraph(
  kind: GraphKind,
  targets: AdapterTargets,
  config: ModelConfig,
  weights: TensorReader,
  quant: QuantizedWeights | null,
): string {
  const { key, dir } = derivedKey(weights, { kind, adapters: targets, config, quant: quant?.file ?? null, graphs: INFER_GRAPHS_VERSION });
  const file = join(dir, `grove-${kind}${targets ? '-lora' : ''}${quant ? `-${quant.type}` : ''}-${key}.onnx`);
  if (existsSync(file)) return file;
  const o = { graphDir: dir, metadata: { 'grove.key': key }, ...(targets ? { adapters: { targets } } : {}), ...(quant ? { quant } : {}) };
  const bytes =
    kind === 'score'
      ? scoreGraph(config, weights, o)
      : decodeGraph(config, weights, {
          ...o,
          lastOnly: kind === 'decode' || kind === 'decode-logprobs',
          logProbs: kind.endsWith('-logprobs'),
          ensemble: kind === 'decode-ensemble',
        });
  // Two workers opening the same model compile the same graph at once: each writes its own temporary file and
  // renames it into place, so the file is always one whole graph (the two are byte for byte the same).
  writeFileDurableSync(file, bytes);
  if (process.env.GROVE_DUMP_GRAPHS) writeFileSync(join(process.env.GROVE_DUMP_GRAPHS, `${kind}${targets ? '-lora' : ''}.onnx`), bytes);
  return file;
}

export function int64(ids: ArrayLike<number>, dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(Array.from(ids, (v) => BigInt(v))), dims);
}

/** Prompt tokens per forward pass of a chunked prefill: bounds the [chunk, V] logits held at once. */
export const DEFAULT_PREFILL_CHUNK = 256;

export interface ChunkedPrefill {
  /**
   * Feeds the prompt like prefill(), in chunks, and shows the log-probabilities (log-softmax of the logits)
   * of every position on the way: onChunk(logProbs [n * V], start) for positions start..start+n-1 (consume
   * them before returning). Returns the next token's log-probabilities [V]. The domain posterior reads the
   * prompt's log-likelihood this way, in the same pass that fills the KV cache.
   */
  prefillChunks(ids: readonly number[], onChunk: (logProbs: Float32Array, start: number) => void, chunk?: number): Promise<Float32Array>;
}

export class LlamaModel {
  private readonly sessions = new Map<string, Promise<OrtSession>>();

  private constructor(
    readonly config: ModelConfig,
    private readonly weights: TensorReader,
    readonly options: ModelRunOptions,
    private readonly quant: QuantizedWeights | null,
  ) {}

  /** Opens a model folder; with options.quant 8 or 4, quantizes its matrices first unless a previous open did. */
  static async open(folder: string, options: ModelRunOptions = {}): Promise<LlamaModel> {
    const { config, weights } = await readModelFolder(folder);
    try {
      return new LlamaModel(config, weights, options, await quantizedWeights(config, weights, options.quant ?? 'f32'));
    } catch (err) {
      await weights.close();
      throw err;
    }
  }

  /** The session of a graph kind, plain (targets null) or with fed adapters on `targets`; made on first use. */
  session(kind: GraphKind, targets: AdapterTargets = null): Promise<OrtSession> {
    const name = targets ? `${kind}+lora:${targets.join(',')}` : kind;
    let s = this.sessions.get(name);
    if (!s) {
      s = createSession(compiledGraph(kind, targets, this.config, this.weights, this.quant), {
        threads: this.options.threads ?? 0,
        ...(this.options.providers ? { providers: this.options.providers } : {}),
        ...(this.options.profilePrefix ? { profilePrefix: `${this.options.profilePrefix}-${kind}${targets ? '-lora' : ''}` } : {}),
      });
      this.sessions.set(name, s);
    }
    return s;
  }

  /** log p(targets[b,t] | inputs[b,<=t]) for [B, T] windows: [B*T] log-likelihoods; with `adapter`, the light expert's. */
  async score(inputs: ArrayLike<number>, targets: ArrayLike<number>, batch: number, adapter?: LoadedAdapter): Promise<Float32Array> {
    const T = inputs.length / batch;
    const session = await this.session('score', adapter ? adapter.lora.targets : null);
    const feeds = {
      input_ids: int64(inputs, [batch, T]),
      targets: int64(targets, [batch, T]),
      ...(adapter ? sharedAdapterFeeds(this.config, adapter) : {}),
    };
    const { token_logprobs } = await session.run(feeds);
    return token_logprobs!.data as Float32Array;
  }

  /** Logits at every position of one sequence: [S * V]; with `adapter`, the light expert's. */
  async logits(ids: readonly number[], adapter?: LoadedAdapter): Promise<Float32Array> {
    const session = await this.session('decode-all', adapter ? adapter.lora.targets : null);
    const lora = adapter ? batchAdapters(this.config, [adapter]).feeds : {};
    if (cacheForm(this.config) === 'rows') {
      // A one-off cache of exactly the rows this run fills.
      const feeds = new KvCache(this.config, this.config.maxPositionEmbeddings, Math.max(1, ids.length)).feeds(ids.length);
      return (await session.run({ input_ids: int64(ids, [1, ids.length]), ...feeds, ...lora }, ['logits'])).logits!.data as Float32Array;
    }
    const out = await session.run({ input_ids: int64(ids, [1, ids.length]), ...emptyPast(this.config, 1), ...lora });
    return out.logits!.data as Float32Array;
  }

  /**
   * A fresh single-sequence decoding session with its own KV cache. With `logProbs`, prefill() and step()
   * return the next token's log-probabilities (the log-softmax done in the graph) instead of its logits:
   * what an ensemble mixes. With `adapter`, the light expert's (the base's graphs with its adapter fed).
   */
  decoder(o: { logProbs?: boolean; adapter?: LoadedAdapter } = {}): Decoder & ChunkedPrefill {
    const model = this;
    const cache = new DecodeCache(this.config, cacheForm(this.config), 1, this.options.kvCacheStep);
    const targets = o.adapter ? o.adapter.lora.targets : null;
    const lora = o.adapter ? batchAdapters(this.config, [o.adapter]).feeds : {};
    const stepKind: GraphKind = o.logProbs ? 'decode-logprobs' : 'decode';
    const run = async (ids: readonly number[], kind: GraphKind = stepKind): Promise<Float32Array> => {
      const session = await model.session(kind, targets);
      const head = kind.endsWith('-logprobs') ? 'log_probs' : 'logits';
      const out = await session.run({ input_ids: int64(ids, [1, ids.length]), ...cache.feeds(ids.length), ...lora });
      cache.update(out, ids.length);
      return out[head]!.data as Float32Array;
    };
    return {
      maxContext: this.config.maxPositionEmbeddings,
      prefill: (ids) => {
        cache.clear();
        return run(ids);
      },
      step: (id) => run([id]),
      // The all-positions graph shares the decode graph's KV cache layout, so it can fill the same cache.
      prefillChunks: async (ids, onChunk, chunk = DEFAULT_PREFILL_CHUNK) => {
        cache.clear();
        let logProbs: Float32Array = new Float32Array(0);
        for (let start = 0; start < ids.length; start += chunk) {
          logProbs = await run(ids.slice(start, start + chunk), 'decode-all-logprobs');
          onChunk(logProbs, start);
        }
        return logProbs.slice(logProbs.length - model.config.vocabSize);
      },
      get length() {
        return cache.length;
      },
    } as Decoder & ChunkedPrefill;
  }

  /** Ends profiling (with profilePrefix): ONNX Runtime then writes each session's profile file. */
  async endProfiling(): Promise<void> {
    for (const s of this.sessions.values()) (await s).endProfiling();
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
    await this.weights.close();
  }
}
