// Export of a light expert (a PEFT adapter over a frozen base). As a PEFT adapter folder (peft.ts), naming its
// base as PEFT loads it; or, so that tools without PEFT load it too, folded into its base at weight 1
// (W0 + (alpha / r) B A, forest/merge/lora-into-base.ts) and written as any full model: hf, gguf or onnx. The
// folded model goes to a scratch folder beside the destination, in float32 so the delta is not rounded before
// the export's own dtype, and is removed afterwards (or, after a crash, by the next export there and gc).
import { rm } from 'node:fs/promises';
import { mergeAdaptersIntoBase } from '../forest/merge/lora-into-base';
import { readConfigFile } from '../model/folder';
import { readPeftAdapterFor } from '../model/peft-import';
import { exportFullModel, type FullExportRequest, type FullModelFormat } from './full';
import { checkDestination, makeScratchFolder } from './output';
import { exportPeftAdapter, type PeftBase } from './peft';

/** A light expert's base, as its export needs it. */
export interface LightExportBase {
  /** The base model folder (config.json + safetensors) the adapter is added to. */
  folder: string;
  /** How a PEFT adapter names the base (base_model_name_or_path): its Hub id where known, else its store address. */
  peft: PeftBase;
}

/** What a full model's export takes (full.ts), for a light expert's adapter folder over its base. */
export interface LightExportRequest extends Omit<FullExportRequest, 'folder' | 'format'> {
  /** The light expert's PEFT adapter folder. */
  adapterFolder: string;
  base: LightExportBase;
  format: FullModelFormat | 'peft';
}

export async function exportLightExpert(r: LightExportRequest): Promise<{ baseModel?: string; merged?: boolean }> {
  const { config } = await readConfigFile(r.base.folder);
  // Checked against the base before anything is written: an adapter that does not fit it is refused with the reason.
  const adapter = await readPeftAdapterFor(r.adapterFolder, config, `the base of ${r.name} (${r.base.folder})`);
  if (r.format === 'peft') {
    r.onProgress?.({ tensor: '', done: 0, total: 1, phase: 'write' });
    const written = await exportPeftAdapter({
      out: r.out,
      config,
      adapter,
      base: r.base.peft,
      dtype: r.dtype === 'f16' ? 'F16' : 'F32',
      force: r.force,
    });
    r.onProgress?.({ tensor: '', done: 1, total: 1, phase: 'write' });
    return { baseModel: written.baseModel };
  }
  // Refused now rather than after the merge: an existing destination, or a missing parent folder.
  await checkDestination(r.out, { force: r.force });
  const scratch = await makeScratchFolder(r.out);
  try {
    // Both phases move every parameter once: the bar is the merge's half, then the writing's.
    let merged = 0;
    await mergeAdaptersIntoBase({
      baseFolder: r.base.folder,
      parts: [{ adapter, weight: 1, label: r.name }],
      outFolder: scratch,
      dtype: 'F32',
      onProgress: (p) => {
        merged = p.total;
        r.onProgress?.({ tensor: p.tensor, done: p.done, total: 2 * p.total, phase: 'merge' });
      },
    });
    await exportFullModel({
      folder: scratch,
      format: r.format,
      out: r.out,
      dtype: r.dtype,
      force: r.force,
      name: r.name,
      tokenizerDir: r.tokenizerDir ?? r.base.folder,
      onProgress: (p) => r.onProgress?.({ tensor: p.tensor, done: merged + p.done, total: merged + p.total, phase: 'write' }),
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { merged: true };
}
