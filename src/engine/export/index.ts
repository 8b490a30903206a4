// `exportModel`: one model out for other tools. A full model folder as a Hugging Face folder, a GGUF file or a
// transformers.js-layout ONNX folder (full.ts); a light expert (an adapter over its base) as a PEFT adapter
// folder, or folded into its base and written as any full model (light.ts). Everything is written under a
// temporary name and renamed into place when complete.
import { basename } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { QUANT_TYPES } from '../quant/plan';
import { exportFullModel, FULL_MODEL_FORMATS } from './full';
import type { GgufDtype } from './gguf';
import { exportLightExpert, type LightExportBase } from './light';
import type { ExportProgressListener } from './progress';

export const EXPORT_FORMATS = [...FULL_MODEL_FORMATS, 'peft'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** f32 and f16 for every format; the block-quantized Q8_0 and Q4_0 for GGUF only (llama.cpp's own types). */
export const EXPORT_DTYPES = ['f32', 'f16', ...QUANT_TYPES] as const;
export type ExportDtype = GgufDtype;
export type { ExportProgressListener, LightExportBase };

export interface ExportRequest {
  /** The model folder (config.json + model.safetensors), or a light expert's adapter folder (with `light`). */
  folder: string;
  format: ExportFormat;
  /** A folder for hf, onnx and peft, a file for gguf. */
  out: string;
  /** Default f32, exact; the app and the CLI pass the product's default (shared/api/defaults.ts). */
  dtype?: ExportDtype;
  force?: boolean;
  /** Where the tokenizer lives when the folder has none (a forest model: the forest's tokenizer folder). */
  tokenizerDir?: string;
  /** The model's name inside the export (GGUF general.name); defaults to the folder's name. */
  name?: string;
  /** Set when `folder` is a light expert's adapter: the base it is added to. */
  light?: LightExportBase;
  onProgress?: ExportProgressListener;
}

export interface ExportResult {
  out: string;
  format: ExportFormat;
  dtype: ExportDtype;
  /** A PEFT export's base_model_name_or_path. */
  baseModel?: string;
  /** A light expert written as a full model: its adapter was folded into its base first. */
  merged?: boolean;
}

/** Why a full model has no PEFT export, and what to do instead (said by the API before queueing, and here). */
export function peftOfFullModelRefusal(name: string): GroveError {
  return new GroveError(
    'unsupported',
    `"${name}" is a full model: the peft format writes a light expert's adapter (a PEFT LoRA folder over its base), and a full model has no adapter. Export it as hf, gguf or onnx, or export a light expert as peft.`,
    { model: name },
  );
}

export async function exportModel(r: ExportRequest): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(r.format)) {
    throw new GroveError('bad_input', `export format "${r.format}" is not one Grove writes; choose ${EXPORT_FORMATS.join(', ')}.`);
  }
  const dtype = r.dtype ?? 'f32';
  if (!(EXPORT_DTYPES as readonly string[]).includes(dtype))
    throw new GroveError('bad_input', `export dtype "${dtype}" is not one Grove writes; choose ${EXPORT_DTYPES.join(' or ')}.`);
  // Checked before any work (a light expert would otherwise be folded into its base first).
  if (r.format === 'onnx' && dtype !== 'f32')
    throw new GroveError('unsupported', 'ONNX export writes f32 weights only; leave out --dtype or use f32.');
  if ((r.format === 'hf' || r.format === 'peft') && dtype !== 'f32' && dtype !== 'f16')
    throw new GroveError(
      'unsupported',
      `A Hugging Face or PEFT folder holds f32 or f16 weights; ${dtype} is a GGUF block type: export with --format gguf, or choose --dtype f32 or f16.`,
    );
  const name = r.name ?? basename(r.folder);
  const common = {
    out: r.out,
    dtype,
    force: r.force ?? false,
    name,
    ...(r.tokenizerDir ? { tokenizerDir: r.tokenizerDir } : {}),
    ...(r.onProgress ? { onProgress: r.onProgress } : {}),
  };
  if (r.light) {
    const written = await exportLightExpert({ ...common, adapterFolder: r.folder, base: r.light, format: r.format });
    return { out: r.out, format: r.format, dtype, ...written };
  }
  if (r.format === 'peft') throw peftOfFullModelRefusal(name);
  await exportFullModel({ ...common, folder: r.folder, format: r.format });
  return { out: r.out, format: r.format, dtype };
}
