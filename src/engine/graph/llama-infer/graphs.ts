// The inference graphs of a Llama-family model, with every weight an ONNX initializer that points into
// the model's safetensors file (external data: no copy of the weights on disk). The .onnx file must sit
// in the same folder as the weights, since ONNX Runtime resolves external data relative to it.
//   decode: input_ids [B,S] + past_key_values.{i}.key/value [B,Hkv,P,D]
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
import { emitForward, type WeightRef } from './forward';

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
}

export function decodeGraph(config: ModelConfig, weights: TensorReader, o: GraphOptions & { lastOnly: boolean }): Uint8Array {
  const b = new NodeBuilder();
  const { initializers, ref } = externalWeights(b, config, weights, o.graphDir);
  const { numKeyValueHeads: Hkv, headDim: D, vocabSize: V } = config;
  const past = Array.from({ length: config.numHiddenLayers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`] as const);
  const out = emitForward(b, config, ref, 'input_ids', { past, lastOnly: o.lastOnly });
  b.opNamed('Identity', [out.logits], ['logits']);
  const inputs: ValueInfo[] = [{ name: 'input_ids', type: 'int64', shape: ['batch', 'sequence'] }];
  const outputs: ValueInfo[] = [{ name: 'logits', type: 'float32', shape: ['batch', o.lastOnly ? 1 : 'sequence', V] }];
  out.present.forEach(([k, v], i) => {
    for (const [kind, value] of [['key', k], ['value', v]] as const) {
      inputs.push({ name: `past_key_values.${i}.${kind}`, type: 'float32', shape: ['batch', Hkv, 'past_sequence', D] });
      outputs.push({ name: `present.${i}.${kind}`, type: 'float32', shape: ['batch', Hkv, 'total_sequence', D] });
      b.opNamed('Identity', [value], [`present.${i}.${kind}`]);
    }
  });
  return encodeModel({ graph: b.graph('grove_decode', inputs, outputs, initializers), metadata: { 'grove.graph': 'decode', ...o.metadata } });
}

export function scoreGraph(config: ModelConfig, weights: TensorReader, o: GraphOptions): Uint8Array {
  const b = new NodeBuilder();
  const { initializers, ref } = externalWeights(b, config, weights, o.graphDir);
  const { logits } = emitForward(b, config, ref, 'input_ids'); // [B, T, V]
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
  return encodeModel({ graph: b.graph('grove_score', inputs, outputs, initializers), metadata: { 'grove.graph': 'score', ...o.metadata } });
}
