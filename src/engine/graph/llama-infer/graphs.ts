// The inference graphs of a Llama-family model, with every weight an ONNX initializer that points into
// the model's safetensors file (external data: no copy of the weights on disk). The .onnx file must sit
// in the same folder as the weights, since ONNX Runtime resolves external data relative to it.
//   decode, cache form 'rows' (GroupQueryAttention, where its kernel takes the head size):
//           input_ids [B,S] + past_key_values.{i}.key/value [B,Hkv,C,D] (rows 0..P-1 filled, C >= P)
//           + seqlens_k int32 [B] (= P+S-1) + total_sequence_length int32 scalar (= P+S)
//           -> logits [B,S,V] (or [B,1,V]) + new_key_values [2*L*B, Hkv, S, D]: the S new rows of every layer's
//           keys and values (layer 0 key, layer 0 value, layer 1 key, ...; batch rows within each), which the
//           caller appends to its cache buffers at rows P..P+S-1
//   decode, cache form 'concat' (plain ONNX ops): input_ids [B,S] + past_key_values.{i}.key/value [B,Hkv,P,D]
//           -> logits [B,S,V] (or [B,1,V]) + present.{i}.key/value [B,Hkv,P+S,D]
//   score:  input_ids [B,T] + targets [B,T] -> token_logprobs [B,T] = log p(targets[t] | input_ids[<=t])
import { basename, dirname, resolve } from 'node:path';
import { GroveError } from '../../../shared/api/errors';
import type { ModelConfig } from '../../model/config';
import type { Dtype } from '../../model/dtype';
import { parameterSpecs } from '../../model/names';
import type { TensorReader } from '../../model/safetensors';
import { attr, NodeBuilder } from '../onnx/builder';
import { encodeModel, type Initializer, type OnnxTypeName, type ValueInfo } from '../onnx/encode';
import { emitForward, type ForwardOptions, type Packing, type WeightRef } from './forward';
import { gqaSupported } from './gqa';

const ONNX_TYPE: Partial<Record<Dtype, OnnxTypeName>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** External-data initializers for every parameter, and a WeightRef that casts non-f32 weights once. */
function externalWeights(b: NodeBuilder, config: ModelConfig, weights: TensorReader, graphDir: string): { initializers: Initializer[]; ref: WeightRef } {
  const initializers: Initializer[] = [];
  const f32 = new Map<string, string>();
  for (const spec of parameterSpecs(config)) {
    const info = weights.info(spec.name);
    const type = ONNX_TYPE[info.dtype];
    if (!type) throw new GroveError('unsupported', `${info.path}: tensor ${spec.name} is ${info.dtype}; Grove runs F32, F16 and BF16 weights.`);
    if (resolve(dirname(info.path)) !== resolve(graphDir)) {
      throw new GroveError('internal', `Graph folder ${graphDir} is not the folder of ${info.path}: ONNX Runtime resolves external weights next to the graph.`);
    }
    initializers.push({ name: spec.name, type, dims: spec.shape, data: { location: basename(info.path), offset: info.fileOffset, length: info.byteLength } });
    f32.set(spec.name, type === 'float32' ? spec.name : b.op('Cast', [spec.name], { to: attr.int(1) }, 'f32'));
  }
  const ref: WeightRef = (name) => {
    const value = f32.get(name);
    if (!value) throw new GroveError('internal', `The graph asked for tensor ${name}, which this model's config does not have.`);
    return value;
  };
  return { initializers, ref };
}

export interface GraphOptions {
  /** Folder the .onnx file will be written to: the weights' folder. */
  graphDir: string;
  metadata?: Record<string, string>;
  /** Projection packing in the contrib-op forms (default DECODE_PACKING or SCORE_PACKING). */
  packing?: Packing;
}

// Packing chosen by interleaved A/B runs (2 cores, loaded machine): q/k/v packed helps both graphs; gate/up
// packed made a 135M-shape decode step 4 % faster (44.3 -> 42.5 ms) but the score graph slower (tiny 16x256:
// 660 -> 720 ms), since its Split then copies a [B*T, 2I] tensor.
export const DECODE_PACKING: Packing = { packQkv: true, packGateUp: true };
export const SCORE_PACKING: Packing = { packQkv: true, packGateUp: false };

/** Bumped whenever a graph's form changes (inputs, outputs, ops), so compiled graphs cached on disk are rebuilt. */
export const INFER_GRAPHS_VERSION = 2;

/** How a decode graph takes its KV cache (see the top of this file). */
export type CacheForm = 'rows' | 'concat';

/** The cache form Grove compiles for a config: new rows out wherever GroupQueryAttention's kernel takes the head size. */
export function cacheForm(config: ModelConfig): CacheForm {
  return gqaSupported(config) ? 'rows' : 'concat';
}

const MS_OPSET = { 'com.microsoft': 1 };

/**
 * The head's output: the logits, or with `logProbs` their log-softmax as 'log_probs' (a scored prefill reads
 * one entry of every row; ONNX Runtime's LogSoftmax does the [T, V] pass about 30x faster than JS did).
 */
function emitHead(b: NodeBuilder, logits: string, logProbs: boolean): void {
  if (logProbs) b.opNamed('LogSoftmax', [logits], ['log_probs'], { axis: attr.int(-1) });
  else b.opNamed('Identity', [logits], ['logits']);
}

export function decodeGraph(config: ModelConfig, weights: TensorReader, o: GraphOptions & { lastOnly: boolean; logProbs?: boolean; form?: CacheForm }): Uint8Array {
  const b = new NodeBuilder();
  const { initializers, ref } = externalWeights(b, config, weights, o.graphDir);
  const { numKeyValueHeads: Hkv, headDim: D, vocabSize: V, numHiddenLayers: L } = config;
  const form = o.form ?? cacheForm(config);
  const past = Array.from({ length: L }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`] as const);
  const inputs: ValueInfo[] = [{ name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] }];
  const outputs: ValueInfo[] = [{ name: o.logProbs ? 'log_probs' : 'logits', type: 'float32', shape: ['batch', o.lastOnly ? 1 : 'sequence', V] }];
  const metadata = { 'grove.graph': 'decode', 'grove.cache': form, ...o.metadata };

  if (form === 'rows') {
    inputs.push({ name: 'seqlens_k', type: 'int32', shape: ['batch'] }, { name: 'total_sequence_length', type: 'int32', shape: [] });
    for (const kv of past) for (const name of kv) inputs.push({ name, type: 'float32', shape: ['batch', Hkv, 'capacity', D] });
    const gqa = { cache: past.map((kv) => ({ past: kv })), seqlensK: 'seqlens_k', totalLength: 'total_sequence_length', ...(o.packing ?? DECODE_PACKING) };
    const out = emitForward(b, config, ref, 'input_ids', { lastOnly: o.lastOnly, gqa });
    emitHead(b, out.logits, o.logProbs ?? false);
    // Only the new rows leave the graph: onnxruntime-node copies every output into a fresh JS buffer, so a
    // whole cache as output would cost its size per token (measured: about 1 ms per MB).
    const total = b.op('Reshape', [b.op('Cast', ['total_sequence_length'], { to: attr.int(7) }), b.int64s([1])]);
    const start = b.op('Sub', [total, b.op('Shape', ['input_ids'], { start: attr.int(1), end: attr.int(2) })]);
    const axis = b.int64s([2]);
    const rows = out.present.flatMap((kv) => kv.map((t) => b.op('Slice', [t, start, total, axis], {}, 'new_rows')));
    b.opNamed('Concat', rows, ['new_key_values'], { axis: attr.int(0) });
    outputs.push({ name: 'new_key_values', type: 'float32', shape: [2 * L, Hkv, 'sequence', D] });
    return encodeModel({ graph: b.graph('grove_decode', inputs, outputs, initializers), metadata, extraOpsets: MS_OPSET });
  }

  const out = emitForward(b, config, ref, 'input_ids', { lastOnly: o.lastOnly, past });
  emitHead(b, out.logits, o.logProbs ?? false);
  out.present.forEach(([k, v], i) => {
    for (const [kind, value] of [['key', k], ['value', v]] as const) {
      inputs.push({ name: `past_key_values.${i}.${kind}`, type: 'float32', shape: ['batch', Hkv, 'past_sequence', D] });
      outputs.push({ name: `present.${i}.${kind}`, type: 'float32', shape: ['batch', Hkv, 'total_sequence', D] });
      b.opNamed('Identity', [value], [`present.${i}.${kind}`]);
    }
  });
  return encodeModel({ graph: b.graph('grove_decode', inputs, outputs, initializers), metadata });
}

export function scoreGraph(config: ModelConfig, weights: TensorReader, o: GraphOptions & { fused?: boolean }): Uint8Array {
  const b = new NodeBuilder();
  const { initializers, ref } = externalWeights(b, config, weights, o.graphDir);
  const fused = (o.fused ?? true) && gqaSupported(config);
  const { logits } = emitForward(b, config, ref, 'input_ids', fused ? { gqa: { ...(o.packing ?? SCORE_PACKING) } } : {}); // [B, T, V]
  // log p(target) = log_softmax(logits)[target]. LogSoftmax, not logit - ReduceLogSumExp: ONNX Runtime's CPU
  // LogSoftmax kernel is several times faster than its ReduceLogSumExp (measured on [1024, 49152]).
  const logp = b.op('LogSoftmax', [logits], { axis: attr.int(-1) }); // [B, T, V]
  const picked = b.op('GatherElements', [logp, b.op('Unsqueeze', [b.op('Cast', ['targets'], { to: attr.int(7) }), b.int64s([-1])])], { axis: attr.int(-1) }); // [B, T, 1]
  b.opNamed('Squeeze', [picked, b.int64s([-1])], ['token_logprobs']);
  const inputs: ValueInfo[] = [
    { name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] },
    { name: 'targets', type: 'int64', shape: ['batch', 'sequence'] },
  ];
  const outputs: ValueInfo[] = [{ name: 'token_logprobs', type: 'float32', shape: ['batch', 'sequence'] }];
  return encodeModel({ graph: b.graph('grove_score', inputs, outputs, initializers), metadata: { 'grove.graph': 'score', ...o.metadata }, ...(fused ? { extraOpsets: MS_OPSET } : {}) });
}
