// Export as a Hugging Face model folder: config.json (LlamaForCausalLM / Qwen2ForCausalLM), model.safetensors
// (f32 or f16, written tensor by tensor), tokenizer files and generation_config.json.
import { writeModelFolder } from '../model/folder';
import { parameterSpecs, elementCount } from '../model/names';
import type { ExportProgressListener } from './progress';
import type { ExportSource } from './source';
import { writeTokenizerFiles } from './tokenizer-files';

export type ExportDtype = 'f32' | 'f16';

export async function writeHfFolder(
  source: ExportSource,
  folder: string,
  o: { dtype: ExportDtype; onProgress?: ExportProgressListener },
): Promise<{ files: string[] }> {
  const specs = parameterSpecs(source.config);
  const total = specs.reduce((n, s) => n + elementCount(s.shape), 0);
  let done = 0;
  const tensors = specs.map((spec) => ({
    name: spec.name,
    shape: spec.shape,
    // One tensor in memory at a time: read when the writer reaches it.
    data: async function* () {
      o.onProgress?.({ tensor: spec.name, done, total });
      yield await source.weights.readFloat32(spec.name);
      done += elementCount(spec.shape);
    },
  }));
  await writeModelFolder(folder, { config: source.config, extras: source.extras, tensors }, { dtype: o.dtype === 'f16' ? 'F16' : 'F32' });
  o.onProgress?.({ tensor: '', done: total, total });
  const files = await writeTokenizerFiles(source.tokenizerDir, folder, source.config);
  return { files: ['config.json', 'model.safetensors', ...files] };
}
