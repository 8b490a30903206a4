// `grove gc`'s part for quantized weights (grove-quant-<type>-<key>.bin, made beside a model's safetensors at
// its first 8- or 4-bit reply and kept for the next). A removed model's go with its folder; in the folder of a
// model still in use, the current file of each type stays and the rest goes: files whose key is no longer the
// one an open would look for (made by another Grove version or layout, llama-model.ts rebuilds them), and the
// temporaries of a writer that died half way. A folder that cannot be read as a model keeps its files, since
// there is nothing to tell the current ones by.
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readConfigFile, openWeights } from '../../engine/model/folder';
import { processAlive } from '../../engine/process-alive';
import { QUANT_TYPES } from '../../engine/quant/plan';
import { QUANT_WEIGHTS_NAME, quantWeightsPath } from '../../engine/model/derived-files';

/** A quantized weights file's temporary name, with its writer's process id. */
const QUANT_TEMP = /^grove-quant-(?:q8_0|q4_0)-[0-9a-f]{16}\.bin\.tmp-(\d+)(?:-[0-9a-f]+)?$/;

/** The names the current quantized weights files of the model in `folder` have; null where it is no readable model. */
async function currentQuantNames(folder: string): Promise<Set<string> | null> {
  try {
    const { config } = await readConfigFile(folder);
    const weights = await openWeights(folder);
    try {
      return new Set(QUANT_TYPES.map((type) => basename(quantWeightsPath(config, weights, type))));
    } finally {
      await weights.close();
    }
  } catch {
    return null;
  }
}

/** The quantized weights files in a live model's `folder` that nothing will read any more. */
export async function staleQuantFiles(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const dead = names.filter((n) => {
    const m = QUANT_TEMP.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !processAlive(Number(m[1]));
  });
  const made = names.filter((n) => QUANT_WEIGHTS_NAME.test(n));
  const current = made.length > 0 ? await currentQuantNames(folder) : null;
  const outdated = current ? made.filter((n) => !current.has(n)) : [];
  return [...dead, ...outdated].map((n) => join(folder, n));
}
