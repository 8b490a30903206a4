// A model folder for tests, written by Grove's own init and writer (random weights), optionally with a
// tokenizer beside it (tokenizer.json + tokenizer_config.json copied from the given tokenizer.json's folder).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseModelConfig, type ModelConfig, type ModelConfigInput } from '../../src/engine/model/config';
import type { WriteDtype } from '../../src/engine/model/dtype';
import { writeModelFolder } from '../../src/engine/model/folder';
import { initParameters } from '../../src/engine/model/init';

export async function writeTestModel(
  folder: string,
  input: ModelConfigInput,
  o: { seed?: number; dtype?: WriteDtype; tokenizer?: string } = {},
): Promise<ModelConfig> {
  const config = parseModelConfig(input);
  mkdirSync(folder, { recursive: true });
  const tensors = [...initParameters(config, o.seed ?? 1)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  await writeModelFolder(folder, { config, tensors }, o.dtype ? { dtype: o.dtype } : {});
  if (o.tokenizer) {
    copyFileSync(o.tokenizer, join(folder, 'tokenizer.json'));
    copyFileSync(join(dirname(o.tokenizer), 'tokenizer_config.json'), join(folder, 'tokenizer_config.json'));
  }
  return config;
}
