// Export of a light expert as a PEFT adapter folder (adapter_config.json + adapter_model.safetensors with PEFT's
// tensor names), so `PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), folder)` loads it.
// base_model_name_or_path is the base's Hugging Face Hub id where Grove knows it (a base imported from the Hub),
// which is what PEFT loads the base from; otherwise the string the caller gives (the base's store address).
// Written under a temporary name and renamed into place when complete, like every export.
import { join } from 'node:path';
import type { ModelConfig } from '../model/config';
import type { WriteDtype } from '../model/dtype';
import { ADAPTER_WEIGHTS_FILE, writeAdapterFolder } from '../model/adapter-folder';
import { checkAdapter, type LoraAdapter } from '../model/lora-adapter';
import type { WrittenFile } from '../model/safetensors-write';
import { writeAtomically } from './output';

export interface PeftBase {
  /** The base's Hub id (e.g. HuggingFaceTB/SmolLM2-135M) when it came from the Hub; null or absent otherwise. */
  hubId?: string | null;
  /** What to write when there is no Hub id (e.g. the base's content hash in the forest's store). */
  fallback: string;
}

export interface PeftExportRequest {
  /** The adapter folder to create. */
  out: string;
  /** The base's config (the adapter is checked against it). */
  config: ModelConfig;
  adapter: LoraAdapter;
  base: PeftBase;
  /** Stored dtype of the factors (default F32). */
  dtype?: WriteDtype;
  force?: boolean;
}

export interface PeftExportResult {
  out: string;
  /** The base_model_name_or_path written. */
  baseModel: string;
  weights: WrittenFile;
}

/** base_model_name_or_path for `base`: its Hub id where known, else the fallback. */
export function peftBaseModelName(base: PeftBase): string {
  return base.hubId && base.hubId.trim() !== '' ? base.hubId : base.fallback;
}

export async function exportPeftAdapter(r: PeftExportRequest): Promise<PeftExportResult> {
  checkAdapter(r.config, r.adapter, 'PEFT export');
  const baseModel = peftBaseModelName(r.base);
  const written = await writeAtomically(r.out, 'folder', { force: r.force ?? false }, (temp) =>
    writeAdapterFolder(
      temp,
      { config: r.config, lora: r.adapter.lora, baseModel, tensors: r.adapter.tensors },
      { dtype: r.dtype ?? 'F32', metadata: { format: 'pt' } },
    ),
  );
  // Written in the temporary folder, which is now `out`.
  return { out: r.out, baseModel, weights: { ...written, path: join(r.out, ADAPTER_WEIGHTS_FILE) } };
}
