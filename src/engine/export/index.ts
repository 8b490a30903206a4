// `exportModel`: one model folder out as a Hugging Face folder, a GGUF file or a transformers.js-layout ONNX
// folder, written under a temporary name and renamed into place when complete.
import { basename } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { QUANT_TYPES } from '../quant/plan';
import { writeGgufFile, type GgufDtype } from './gguf';
import { writeHfFolder } from './hf';
import { writeOnnxFolder } from './onnx';
import { writeAtomically } from './output';
import type { ExportProgressListener } from './progress';
import { openExportSource } from './source';

export const EXPORT_FORMATS = ['hf', 'gguf', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** f32 and f16 for every format; the block-quantized Q8_0 and Q4_0 for GGUF only (llama.cpp's own types). */
export const EXPORT_DTYPES = ['f32', 'f16', ...QUANT_TYPES] as const;
export type ExportDtype = GgufDtype;
export type { ExportProgressListener };

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
  if (r.format === 'hf' && dtype !== 'f32' && dtype !== 'f16') throw new GroveError('unsupported', `A Hugging Face folder holds f32 or f16 weights; ${dtype} is a GGUF block type: export with --format gguf, or choose --dtype f32 or f16.`);
  const source = await openExportSource(r.folder, { name: r.name ?? basename(r.folder), ...(r.tokenizerDir ? { fallbackTokenizerDir: r.tokenizerDir } : {}) });
  const progress = r.onProgress ? { onProgress: r.onProgress } : {};
  try {
    if (r.format === 'gguf') await writeAtomically(r.out, 'file', r, (temp) => writeGgufFile(source, temp, { dtype, ...progress }));
    else if (r.format === 'hf') await writeAtomically(r.out, 'folder', r, (temp) => writeHfFolder(source, temp, { dtype: dtype === 'f16' ? 'f16' : 'f32', ...progress }));
    else await writeAtomically(r.out, 'folder', r, (temp) => writeOnnxFolder(source, temp, progress));
  } finally {
    await source.weights.close();
  }
  return { out: r.out, format: r.format, dtype };
}
