// The inference graphs of a Llama-family model, lowered from the one forward (forward.ts), with every weight
// an ONNX initializer that points into the model's safetensors file (external data: no copy of the weights
// on disk). The .onnx file must sit in the same folder as the weights, since ONNX Runtime resolves external
// data relative to it.
//   decode, cache form 'rows' (GroupQueryAttention, where its kernel takes the head size):
//           input_ids [B,S] + past_key_values.{i}.key/value [B,Hkv,C,D] (rows 0..P-1 filled, C >= P)
//           + seqlens_k int32 [B] (= P+S-1) + total_sequence_length int32 scalar (= P+S)
//           -> logits [B,S,V] (or [B,1,V]) + new_key_values [2*L*B, Hkv, S, D]: the S new rows of every layer's
//           keys and values (layer 0 key, layer 0 value, layer 1 key, ...; batch rows within each), which the
//           caller appends to its cache buffers at rows P..P+S-1
//   decode, cache form 'concat' (plain ONNX ops): input_ids [B,S] + past_key_values.{i}.key/value [B,Hkv,P,D]
//           -> logits [B,S,V] (or [B,1,V]) + present.{i}.key/value [B,Hkv,P+S,D]
//   With logProbs the decode graphs output log_probs (the logits' log-softmax) instead of logits. The
//   ensemble form (k experts as batch rows, one graph for both their scored prompt and their steps):
//   + targets [B,S] + mix_log_weights [B] -> token_logprobs [B,S] (log p(targets[b,s] | input_ids[b,<=s])),
//   log_probs [B,1,V] of the last position, and mixture [1,1,V] = log sum_b exp(mix_log_weights[b] +
//   log_probs[b]). A prompt's chunk of S positions so sends S + V numbers per row back to JS, not S x V,
//   and a step's mixture comes from ONNX Runtime's vectorised Exp, far faster than JS's Math.exp (one
//   graph, not two: every session holds its own prepacked copy of the base's weights, about 850 MB at the
//   135M shape).
//   score:  input_ids [B,T] + targets [B,T] -> token_logprobs [B,T] = log p(targets[t] | input_ids[<=t])
// With fed adapters (light experts) a graph also takes, per adapted projection, A^T and (alpha / r) B^T as
// inputs (adapter.ts: [batch, in, rank] and [batch, rank, out] in the decode graphs, batch row j being light
// expert j over this base; [in, rank] and [rank, out] in the score graph, one adapter for every window), and
// the forward adds the low-rank products. Compiled once per base and set of targets, it serves every light
// expert over the base, of any rank; the plain graphs (full models) have no such inputs and are unchanged.
// Quantized (GraphOptions.quant): every matrix quant/plan.ts quantizes is a MatMulNBits over the quantized
// weights file (quant/weight-file.ts), the token embedding gathered from its dequantized rows there.
import { basename, dirname, resolve } from 'node:path';
import { GroveError } from '../../../shared/api/errors';
import { Graph, lowerGraph, type DType, type Value } from '../../graph';
import { encodeModel, type OnnxModel } from '../../graph/onnx/encode';
import type { ModelConfig } from '../config';
import type { Dtype } from '../dtype';
import type { LoraTarget } from '../lora';
import { parameterSpecs } from '../names';
import type { TensorReader } from '../safetensors';
import { fedAdapter } from './adapter';
import { QUANT_BLOCK } from '../../quant/blocks';
import type { QuantType } from '../../quant/plan';
import { quantLayout, type QuantEntry } from '../../quant/weight-file';
import { gqaSupported, type QuantizedWeight, type WeightOf } from './attention';
import { llamaForward, type FusedOptions } from './forward';

const IR_TYPE: Partial<Record<Dtype, DType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** An external-data initializer for tensor `stored` of `weights`, cast to float32 if stored narrower. */
function externalTensor(g: Graph, weights: TensorReader, stored: string, name: string, shape: readonly number[], graphDir: string): Value {
  const info = weights.info(stored);
  const type = IR_TYPE[info.dtype];
  if (!type) throw new GroveError('unsupported', `${info.path}: tensor ${stored} is ${info.dtype}; Grove runs F32, F16 and BF16 weights.`);
  if (resolve(dirname(info.path)) !== resolve(graphDir)) {
    throw new GroveError(
      'internal',
      `Graph folder ${graphDir} is not the folder of ${info.path}: ONNX Runtime resolves external weights next to the graph.`,
    );
  }
  const v = g.initializer(name, type, shape, { location: basename(info.path), offset: info.fileOffset, length: info.byteLength });
  return g.cast(v, 'float32');
}

/**
 * External-data initializers for the parameters the graph reads (made on first use, so a quantized graph holds
 * no f32 copy of its quantized matrices), and a WeightOf that casts non-f32 weights once. With `quant`, the
 * quantized matrices come from its weights file (quant/weight-file.ts) as MatMulNBits' b and scales, and the
 * token embedding's rows from its dequantized values there.
 */
function externalWeights(g: Graph, config: ModelConfig, weights: TensorReader, graphDir: string, quant?: QuantizedWeights): WeightOf {
  const shapes = new Map(parameterSpecs(config).map((s) => [s.name, s.shape]));
  const layout = quant ? quantLayout(config, quant.type).entries : new Map<string, QuantEntry>();
  const location = quant ? basename(quant.file) : '';
  if (quant && resolve(dirname(quant.file)) !== resolve(graphDir))
    throw new GroveError(
      'internal',
      `Graph folder ${graphDir} is not the folder of ${quant.file}: ONNX Runtime resolves external weights next to the graph.`,
    );
  const f32 = new Map<string, Value>();
  const quantized = new Map<string, QuantizedWeight>();
  const w = (name: string): Value => {
    let value = f32.get(name);
    if (value) return value;
    const shape = shapes.get(name);
    if (!shape) throw new GroveError('internal', `The graph asked for tensor ${name}, which this model's config does not have.`);
    const dequantized = layout.get(name)?.dequantized;
    value = dequantized
      ? g.initializer(`${name}.dequantized`, 'float32', shape, { location, ...dequantized })
      : externalTensor(g, weights, name, name, shape, graphDir);
    f32.set(name, value);
    return value;
  };
  w.quantized = (name: string): QuantizedWeight | undefined => {
    const e = layout.get(name);
    if (!e) return undefined;
    let q = quantized.get(name);
    if (!q) {
      const blocks = e.k / QUANT_BLOCK;
      const b = g.initializer(`${name}.q${e.bits}`, 'uint8', [e.n, blocks, (QUANT_BLOCK * e.bits) / 8], { location, ...e.b });
      const scales = g.initializer(`${name}.scales`, 'float32', [e.n * blocks], { location, ...e.scales });
      q = { b, scales, n: e.n, k: e.k, bits: e.bits };
      quantized.set(name, q);
    }
    return q;
  };
  return w;
}

/** A quantized graph's weights: the block type and the file quant/weight-file.ts wrote for it. */
export interface QuantizedWeights {
  type: QuantType;
  file: string;
}

export interface GraphOptions {
  /** Folder the .onnx file will be written to: the weights' folder. */
  graphDir: string;
  metadata?: Record<string, string>;
  /** Projection packing in the contrib-op forms (default DECODE_PACKING or SCORE_PACKING). */
  packing?: Packing;
  /** Low-rank adapters fed with each run (light experts over this base), on the projections these target. */
  adapters?: { targets: readonly LoraTarget[] };
  /** Block-quantized matrices (MatMulNBits) from this weights file; absent: every weight in f32. */
  quant?: QuantizedWeights;
}

export type Packing = Pick<FusedOptions, 'packQkv' | 'packGateUp'>;

// Packing chosen by interleaved A/B runs (2 cores, loaded machine): q/k/v packed helps both graphs; gate/up
// packed made a 135M-shape decode step 4 % faster (44.3 -> 42.5 ms) but the score graph slower (tiny 16x256:
// 660 -> 720 ms), since its Split then copies a [B*T, 2I] tensor.
export const DECODE_PACKING: Packing = { packQkv: true, packGateUp: true };
export const SCORE_PACKING: Packing = { packQkv: true, packGateUp: false };

/** Bumped whenever a graph's form changes (inputs, outputs, ops), so compiled graphs cached on disk are rebuilt. */
export const INFER_GRAPHS_VERSION = 4;

/** How a decode graph takes its KV cache (see the top of this file). */
export type CacheForm = 'rows' | 'concat';

/** The cache form Grove compiles for a config: new rows out wherever GroupQueryAttention's kernel takes the head size. */
export function cacheForm(config: ModelConfig): CacheForm {
  return gqaSupported(config) ? 'rows' : 'concat';
}

/**
 * The head's output: the logits, or with `logProbs` their log-softmax as 'log_probs' (a scored prefill reads
 * one entry of every row; ONNX Runtime's LogSoftmax does the [T, V] pass about 30x faster than JS did), or
 * with `ensemble` (targets and mixture weights) the targets' log-probabilities, the last position's
 * log-softmax and its mixture over the batch rows.
 */
function outputHead(g: Graph, logits: Value, logProbs: boolean, ensemble?: { targets: Value; mixWeights: Value }): void {
  if (ensemble) {
    const lsm = g.logSoftmax(logits, -1); // [B, S, V]
    g.output('token_logprobs', g.squeeze(g.gatherElements(lsm, g.unsqueeze(ensemble.targets, -1), -1), -1));
    const last = g.slice(lsm, 1, -1); // [B, 1, V]
    g.output('log_probs', last);
    // log sum_b exp(t_b) over the batch axis, shifted by its max so no term overflows.
    const t = g.add(last, g.unsqueeze(ensemble.mixWeights, [1, 2]));
    const m = g.reduceMax(t, 0, true);
    g.output('mixture', g.add(m, g.log(g.reduceSum(g.exp(g.sub(t, m)), 0, true))));
  } else if (logProbs) g.output('log_probs', g.logSoftmax(logits, -1));
  else g.output('logits', logits);
}

/** lastOnly: the last position's head only. ensemble: the ensemble form (see the top). */
export type DecodeOptions = GraphOptions & { lastOnly: boolean; logProbs?: boolean; ensemble?: boolean; form?: CacheForm };

/** The decode graph as .onnx bytes. */
export function decodeGraph(config: ModelConfig, weights: TensorReader, o: DecodeOptions): Uint8Array {
  return encodeModel(decodeModel(config, weights, o));
}

/** The score graph as .onnx bytes. */
export function scoreGraph(config: ModelConfig, weights: TensorReader, o: ScoreOptions): Uint8Array {
  return encodeModel(scoreModel(config, weights, o));
}

/** The decode graph lowered (what decodeGraph encodes; tests read its nodes). */
export function decodeModel(config: ModelConfig, weights: TensorReader, o: DecodeOptions): OnnxModel {
  const { numKeyValueHeads: Hkv, headDim: D, numHiddenLayers: L } = config;
  const form = o.form ?? cacheForm(config);
  const g = new Graph('grove_decode');
  if (o.ensemble && o.lastOnly)
    throw new GroveError('internal', 'decodeModel: the ensemble form scores every position; it cannot be lastOnly.');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const ensemble = o.ensemble
    ? { targets: g.input('targets', 'int64', ['batch', 'sequence']), mixWeights: g.input('mix_log_weights', 'float32', ['batch']) }
    : undefined;
  const metadata = { 'grove.graph': 'decode', 'grove.cache': form, ...o.metadata };
  if (form === 'rows') {
    const seqlensK = g.input('seqlens_k', 'int32', ['batch']);
    const totalLength = g.input('total_sequence_length', 'int32', []);
    const past = Array.from(
      { length: L },
      (_, i) =>
        [
          g.input(`past_key_values.${i}.key`, 'float32', ['batch', Hkv, 'capacity', D]),
          g.input(`past_key_values.${i}.value`, 'float32', ['batch', Hkv, 'capacity', D]),
        ] as const,
    );
    const w = externalWeights(g, config, weights, o.graphDir, o.quant);
    const adapter = o.adapters && fedAdapter(g, config, o.adapters.targets, true);
    const out = llamaForward(g, config, w, ids, {
      lastOnly: o.lastOnly,
      fused: { cache: { past, seqlensK, totalLength }, ...(o.packing ?? DECODE_PACKING) },
      ...(adapter ? { adapter } : {}),
    });
    outputHead(g, out.logits, o.logProbs ?? false, ensemble);
    // Only the new rows leave the graph: onnxruntime-node copies every output into a fresh JS buffer, so a
    // whole cache as output would cost its size per token (measured: about 1 ms per MB).
    const total = g.reshape(g.cast(totalLength, 'int64'), [1]);
    const start = g.sub(total, g.reshape(g.size('sequence'), [1]));
    g.output(
      'new_key_values',
      g.concat(
        out.present.flat().map((t) => g.sliceRange(t, 2, start, total, 'sequence')),
        0,
      ),
    );
    return lowerGraph(g, { metadata });
  }
  const past = Array.from(
    { length: L },
    (_, i) =>
      [
        g.input(`past_key_values.${i}.key`, 'float32', ['batch', Hkv, 'past_sequence', D]),
        g.input(`past_key_values.${i}.value`, 'float32', ['batch', Hkv, 'past_sequence', D]),
      ] as const,
  );
  const w = externalWeights(g, config, weights, o.graphDir, o.quant);
  const adapter = o.adapters && fedAdapter(g, config, o.adapters.targets, true);
  const out = llamaForward(g, config, w, ids, { lastOnly: o.lastOnly, past, ...(adapter ? { adapter } : {}) });
  outputHead(g, out.logits, o.logProbs ?? false, ensemble);
  out.present.forEach(([k, v], i) => {
    g.output(`present.${i}.key`, k);
    g.output(`present.${i}.value`, v);
  });
  return lowerGraph(g, { metadata });
}

export type ScoreOptions = GraphOptions & { fused?: boolean };

/** The score graph lowered (what scoreGraph encodes). */
export function scoreModel(config: ModelConfig, weights: TensorReader, o: ScoreOptions): OnnxModel {
  const g = new Graph('grove_score');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const targets = g.input('targets', 'int64', ['batch', 'sequence']);
  const w = externalWeights(g, config, weights, o.graphDir, o.quant);
  const adapter = o.adapters && fedAdapter(g, config, o.adapters.targets, false);
  const fused = (o.fused ?? true) && gqaSupported(config);
  const { logits } = llamaForward(g, config, w, ids, {
    ...(fused ? { fused: { ...(o.packing ?? SCORE_PACKING) } } : {}),
    ...(adapter ? { adapter } : {}),
  }); // [B, T, V]
  // log p(target) = log_softmax(logits)[target]. LogSoftmax, not logit - ReduceLogSumExp: ONNX Runtime's CPU
  // LogSoftmax kernel is several times faster than its ReduceLogSumExp (measured on [1024, 49152]).
  const picked = g.gatherElements(g.logSoftmax(logits, -1), g.unsqueeze(targets, -1), -1); // [B, T, 1]
  g.output('token_logprobs', g.squeeze(picked, -1));
  return lowerGraph(g, { metadata: { 'grove.graph': 'score', ...o.metadata } });
}
