// Names of the files Grove derives from a model's weights and keeps beside them (compiled graphs, quantized
// weights): each carries a key of the weights file (path, size, modification time), what was derived and the
// Grove version, so a file made from other weights or by another Grove is never taken for the current one.
// One place for the rule, so that what makes the files (llama-model.ts) and what collects the stale ones
// (store/gc.ts) always agree on which name is current.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelConfig } from '../model/config';
import type { TensorReader } from '../model/safetensors';
import type { QuantType } from '../quant/plan';
import { QUANT_WEIGHTS_VERSION } from '../quant/weight-file';
import { GROVE_VERSION } from '../version';

/** A key of the weights file (path, size, modification time) and what is derived from it; files named by it are rebuilt when the weights change. */
export function derivedKey(weights: TensorReader, what: Record<string, unknown>): { key: string; dir: string } {
  const weightsFile = weights.info(weights.tensorNames[0] as string).path;
  const st = statSync(weightsFile);
  const key = createHash('sha256')
    .update(JSON.stringify({ ...what, weightsFile, size: st.size, mtime: st.mtimeMs, grove: GROVE_VERSION }))
    .digest('hex')
    .slice(0, 16);
  return { key, dir: dirname(weightsFile) };
}

/** Every quantized weights file's name, current or stale, and the temporary names it is written under. */
export const QUANT_WEIGHTS_NAME = /^grove-quant-(q8_0|q4_0)-[0-9a-f]{16}\.bin$/;

/** Where the quantized weights of these weights at `type` are (quant/weight-file.ts), made or not. */
export function quantWeightsPath(config: ModelConfig, weights: TensorReader, type: QuantType): string {
  const { key, dir } = derivedKey(weights, { quant: type, config, layout: QUANT_WEIGHTS_VERSION });
  return join(dir, `grove-quant-${type}-${key}.bin`);
}
