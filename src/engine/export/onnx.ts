// Export as ONNX in the transformers.js layout: config.json and tokenizer files at the top, onnx/model.onnx
// with its weights as external data in onnx/model.onnx_data (f32). The graph is Grove's own KV-cached decode
// graph with the inputs and outputs transformers.js feeds and reads:
//   input_ids [B,S], attention_mask [B,P+S], position_ids [B,S], past_key_values.{i}.key/value [B,Hkv,P,D]
//   -> logits [B,S,V], present.{i}.key/value [B,Hkv,P+S,D]
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { emitForward } from '../graph/llama-infer/forward';
import { NodeBuilder } from '../graph/onnx/builder';
import { encodeModel, type Initializer, type ValueInfo } from '../graph/onnx/encode';
import { toHfConfig } from '../model/config';
import { f32ToBytes } from '../model/dtype';
import { elementCount, parameterSpecs } from '../model/names';
import type { ExportProgressListener } from './progress';
import type { ExportSource } from './source';
import { writeTokenizerFiles } from './tokenizer-files';

export const ONNX_MODEL_FILE = 'onnx/model.onnx';
const DATA_FILE = 'model.onnx_data';
const DATA_ALIGNMENT = 64;

/** The decode graph over external f32 initializers at the given offsets of model.onnx_data. */
export function transformersJsGraph(source: ExportSource, offsets: ReadonlyMap<string, number>): Uint8Array {
  const config = source.config;
  const b = new NodeBuilder();
  const initializers: Initializer[] = parameterSpecs(config).map((spec) => ({
    name: spec.name,
    type: 'float32',
    dims: spec.shape,
    data: { location: DATA_FILE, offset: offsets.get(spec.name)!, length: elementCount(spec.shape) * 4 },
  }));
  const { numKeyValueHeads: Hkv, headDim: D, vocabSize: V } = config;
  const past = Array.from({ length: config.numHiddenLayers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`] as const);
  const out = emitForward(b, config, (name) => name, 'input_ids', { past, positionIds: 'position_ids', attentionMask: 'attention_mask' });
  b.opNamed('Identity', [out.logits], ['logits']);
  const inputs: ValueInfo[] = [
    { name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
    { name: 'attention_mask', type: 'int64', shape: ['batch_size', 'total_sequence_length'] },
    { name: 'position_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
  ];
  const outputs: ValueInfo[] = [{ name: 'logits', type: 'float32', shape: ['batch_size', 'sequence_length', V] }];
  out.present.forEach(([k, v], i) => {
    for (const [kind, value] of [['key', k], ['value', v]] as const) {
      inputs.push({ name: `past_key_values.${i}.${kind}`, type: 'float32', shape: ['batch_size', Hkv, 'past_sequence_length', D] });
      outputs.push({ name: `present.${i}.${kind}`, type: 'float32', shape: ['batch_size', Hkv, 'total_sequence_length', D] });
      b.opNamed('Identity', [value], [`present.${i}.${kind}`]);
    }
  });
  return encodeModel({ graph: b.graph('grove_causal_lm', inputs, outputs, initializers), metadata: { 'grove.graph': 'transformers.js-decoder' } });
}

export async function writeOnnxFolder(source: ExportSource, folder: string, o: { onProgress?: ExportProgressListener }): Promise<{ files: string[] }> {
  const specs = parameterSpecs(source.config);
  const total = specs.reduce((n, s) => n + elementCount(s.shape), 0);
  await mkdir(join(folder, 'onnx'));
  const offsets = new Map<string, number>();
  const fh = await open(join(folder, 'onnx', DATA_FILE), 'wx');
  try {
    let offset = 0;
    let done = 0;
    for (const spec of specs) {
      o.onProgress?.({ tensor: spec.name, done, total });
      const pad = (DATA_ALIGNMENT - (offset % DATA_ALIGNMENT)) % DATA_ALIGNMENT;
      if (pad > 0) offset += (await fh.write(new Uint8Array(pad))).bytesWritten;
      offsets.set(spec.name, offset);
      const bytes = f32ToBytes('F32', await source.weights.readFloat32(spec.name));
      let at = 0;
      while (at < bytes.byteLength) at += (await fh.write(bytes, at, Math.min(bytes.byteLength - at, 1 << 30))).bytesWritten;
      offset += bytes.byteLength;
      done += elementCount(spec.shape);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await writeFile(join(folder, ONNX_MODEL_FILE), transformersJsGraph(source, offsets), { flush: true });
  o.onProgress?.({ tensor: '', done: total, total });
  const config = { ...toHfConfig({ ...source.config, torchDtype: 'float32' }, source.extras), 'transformers.js_config': { use_external_data_format: true } };
  await writeFile(join(folder, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { flush: true });
  const files = await writeTokenizerFiles(source.tokenizerDir, folder, source.config);
  return { files: ['config.json', ONNX_MODEL_FILE, `onnx/${DATA_FILE}`, ...files] };
}
