// Export as ONNX in the transformers.js layout: config.json and tokenizer files at the top, onnx/model.onnx
// with its weights as external data in onnx/model.onnx_data (f32). The graph is Grove's own KV-cached decode
// graph with the inputs and outputs transformers.js feeds and reads:
//   input_ids [B,S], attention_mask [B,P+S], position_ids [B,S], past_key_values.{i}.key/value [B,Hkv,P,D]
//   -> logits [B,S,V], present.{i}.key/value [B,Hkv,P+S,D]
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { dim, Graph, lowerGraph, type Value } from '../graph';
import { encodeModel, type OnnxModel } from '../graph/onnx/encode';
import { toHfConfig } from '../model/config';
import { f32ToBytes } from '../model/dtype';
import { llamaForward } from '../model/llama/forward';
import { elementCount, parameterSpecs } from '../model/names';
import type { ExportProgressListener } from './progress';
import type { ExportSource } from './source';
import { writeTokenizerFiles } from './tokenizer-files';

export const ONNX_MODEL_FILE = 'onnx/model.onnx';
const DATA_FILE = 'model.onnx_data';
const DATA_ALIGNMENT = 64;

// The dims transformers.js's own exports declare; the IR writes past + new positions as a sum.
const [BATCH, SEQUENCE, PAST] = ['batch_size', 'sequence_length', 'past_sequence_length'];
const TOTAL = dim(`${PAST}+${SEQUENCE}`);

/** Declares the IR's sum dim under the name transformers.js's exports use for it. */
function nameTotalDim(model: OnnxModel): OnnxModel {
  const rename = <T extends { shape: readonly (number | string)[] }>(v: T): T => ({
    ...v,
    shape: v.shape.map((d) => (d === TOTAL ? 'total_sequence_length' : d)),
  });
  return { ...model, graph: { ...model.graph, inputs: model.graph.inputs.map(rename), outputs: model.graph.outputs.map(rename) } };
}

/** The decode graph (the one Llama forward, plain ops) over external f32 initializers at the given offsets of model.onnx_data. */
export function transformersJsGraph(source: ExportSource, offsets: ReadonlyMap<string, number>): Uint8Array {
  const config = source.config;
  const { numKeyValueHeads: Hkv, headDim: D } = config;
  const g = new Graph('grove_causal_lm');
  const ids = g.input('input_ids', 'int64', [BATCH, SEQUENCE]);
  const attentionMask = g.input('attention_mask', 'int64', [BATCH, TOTAL]);
  const positionIds = g.input('position_ids', 'int64', [BATCH, SEQUENCE]);
  const past = Array.from(
    { length: config.numHiddenLayers },
    (_, i) =>
      [
        g.input(`past_key_values.${i}.key`, 'float32', [BATCH, Hkv, PAST, D]),
        g.input(`past_key_values.${i}.value`, 'float32', [BATCH, Hkv, PAST, D]),
      ] as const,
  );
  const weights = new Map<string, Value>();
  for (const spec of parameterSpecs(config)) {
    weights.set(
      spec.name,
      g.initializer(spec.name, 'float32', spec.shape, {
        location: DATA_FILE,
        offset: offsets.get(spec.name)!,
        length: elementCount(spec.shape) * 4,
      }),
    );
  }
  const weight = (name: string): Value => {
    const v = weights.get(name);
    if (!v) throw new GroveError('internal', `The export graph asked for tensor ${name}, which this model's config does not have.`);
    return v;
  };
  const out = llamaForward(g, config, weight, ids, { past, positionIds, attentionMask });
  g.output('logits', out.logits);
  out.present.forEach(([k, v], i) => {
    g.output(`present.${i}.key`, k);
    g.output(`present.${i}.value`, v);
  });
  return encodeModel(nameTotalDim(lowerGraph(g, { metadata: { 'grove.graph': 'transformers.js-decoder' } })));
}

export async function writeOnnxFolder(
  source: ExportSource,
  folder: string,
  o: { onProgress?: ExportProgressListener },
): Promise<{ files: string[] }> {
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
  const config = {
    ...toHfConfig({ ...source.config, torchDtype: 'float32' }, source.extras),
    'transformers.js_config': { use_external_data_format: true },
  };
  await writeFile(join(folder, 'config.json'), `${JSON.stringify(config, null, 2)}\n`, { flush: true });
  const files = await writeTokenizerFiles(source.tokenizerDir, folder, source.config);
  return { files: ['config.json', ONNX_MODEL_FILE, `onnx/${DATA_FILE}`, ...files] };
}
