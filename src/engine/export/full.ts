// One full model folder (config.json + safetensors) written as a Hugging Face folder, a GGUF file or a
// transformers.js-layout ONNX folder, under a temporary name and renamed into place when complete. A light
// expert reaches these formats through light.ts, which first folds its adapter into its base.
import { writeGgufFile, type GgufDtype } from './gguf';
import { writeHfFolder } from './hf';
import { writeOnnxFolder } from './onnx';
import { writeAtomically } from './output';
import type { ExportProgressListener } from './progress';
import { openExportSource } from './source';

/** The formats a full model is written in. */
export const FULL_MODEL_FORMATS = ['hf', 'gguf', 'onnx'] as const;
export type FullModelFormat = (typeof FULL_MODEL_FORMATS)[number];

export interface FullExportRequest {
  /** The model folder (config.json + model.safetensors). */
  folder: string;
  format: FullModelFormat;
  /** A folder for hf and onnx, a file for gguf. */
  out: string;
  dtype: GgufDtype;
  force: boolean;
  /** Where the tokenizer lives when the folder has none (a forest model: the forest's tokenizer folder; a light expert's folded model: the forest's too). */
  tokenizerDir?: string;
  /** The model's name inside the export (GGUF general.name). */
  name: string;
  onProgress?: ExportProgressListener;
}

export async function exportFullModel(r: FullExportRequest): Promise<void> {
  const source = await openExportSource(r.folder, { name: r.name, ...(r.tokenizerDir ? { fallbackTokenizerDir: r.tokenizerDir } : {}) });
  const progress = r.onProgress ? { onProgress: r.onProgress } : {};
  try {
    if (r.format === 'gguf')
      await writeAtomically(r.out, 'file', r, (temp) => writeGgufFile(source, temp, { dtype: r.dtype, ...progress }));
    else if (r.format === 'hf')
      await writeAtomically(r.out, 'folder', r, (temp) =>
        writeHfFolder(source, temp, { dtype: r.dtype === 'f16' ? 'f16' : 'f32', ...progress }),
      );
    else await writeAtomically(r.out, 'folder', r, (temp) => writeOnnxFolder(source, temp, progress));
  } finally {
    await source.weights.close();
  }
}
