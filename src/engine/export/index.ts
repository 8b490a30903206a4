// `exportModel`: one model folder out as a Hugging Face folder, a GGUF file or a transformers.js-layout ONNX
// folder, written under a temporary name and renamed into place when complete.
import { basename } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { writeGgufFile } from './gguf';
import { writeHfFolder, type ExportDtype } from './hf';
import { writeOnnxFolder } from './onnx';
import { writeAtomically } from './output';
import type { ExportProgressListener } from './progress';
import { openExportSource } from './source';

export const EXPORT_FORMATS = ['hf', 'gguf', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_DTYPES = ['f32', 'f16'] as const;
export type { ExportDtype, ExportProgressListener };

export interface ExportRequest {
  /** The model folder (config.json + model.safetensors). */
  folder: string;
  format: ExportFormat;
  /** A folder for hf and onnx, a file for gguf. */
  out: string;
  dtype?: ExportDtype;
  force?: boolean;
  /** Where the tokenizer lives when the folder has none (a forest model: the forest's tokenizer folder). */
  tokenizerDir?: string;
  /** The model's name inside the export (GGUF general.name); defaults to the folder's name. */
  name?: string;
  onProgress?: ExportProgressListener;
}

export interface ExportResult {
  out: string;
  format: ExportFormat;
  dtype: ExportDtype;
}

export async function exportModel(r: ExportRequest): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(r.format)) {
    throw new GroveError('bad_input', `export format "${r.format}" is not one Grove writes; choose ${EXPORT_FORMATS.join(', ')}.`);
  }
  const dtype = r.dtype ?? 'f32';
  if (!(EXPORT_DTYPES as readonly string[]).includes(dtype)) throw new GroveError('bad_input', `export dtype "${dtype}" is not one Grove writes; choose ${EXPORT_DTYPES.join(' or ')}.`);
  if (r.format === 'onnx' && dtype !== 'f32') throw new GroveError('unsupported', 'ONNX export writes f32 weights only; leave out --dtype or use f32.');
  const source = await openExportSource(r.folder, { name: r.name ?? basename(r.folder), ...(r.tokenizerDir ? { fallbackTokenizerDir: r.tokenizerDir } : {}) });
  const progress = r.onProgress ? { onProgress: r.onProgress } : {};
  try {
    if (r.format === 'gguf') await writeAtomically(r.out, 'file', r, (temp) => writeGgufFile(source, temp, { dtype, ...progress }));
    else if (r.format === 'hf') await writeAtomically(r.out, 'folder', r, (temp) => writeHfFolder(source, temp, { dtype, ...progress }));
    else await writeAtomically(r.out, 'folder', r, (temp) => writeOnnxFolder(source, temp, progress));
  } finally {
    await source.weights.close();
  }
  return { out: r.out, format: r.format, dtype };
}
