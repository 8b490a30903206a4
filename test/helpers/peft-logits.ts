// Grove's logits for a PEFT adapter over a Hugging Face base folder, as Grove runs an imported light expert: the
// folder read and checked against the base as `grove import-adapter` reads it (model/peft-import.ts), written as
// Grove stores adapters, and fed to the base's graph. Without an adapter, the base's own logits. Row-major [T, V].
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAdapterFolder } from '../../src/engine/model/adapter-folder';
import { readConfigFile } from '../../src/engine/model/folder';
import { importPeftAdapter } from '../../src/engine/model/peft-import';
import { loadAdapter } from '../../src/engine/runtime/adapter-feeds';
import { LlamaModel } from '../../src/engine/runtime/llama-model';

export async function peftAdapterLogits(baseFolder: string, peftFolder: string | undefined, ids: readonly number[]): Promise<Float32Array> {
  const { config } = await readConfigFile(baseFolder);
  const scratch = mkdtempSync(join(tmpdir(), 'grove-peft-logits-'));
  const model = await LlamaModel.open(baseFolder, { threads: 2 });
  try {
    let adapter;
    if (peftFolder) {
      const imported = await importPeftAdapter(peftFolder, baseFolder);
      await writeAdapterFolder(scratch, { config, lora: imported.lora, baseModel: imported.baseModel, tensors: imported.tensors });
      adapter = await loadAdapter(scratch, config);
    }
    return await model.logits(ids, adapter);
  } finally {
    await model.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
