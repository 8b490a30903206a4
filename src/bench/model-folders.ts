// Model and adapter folders with random weights for the benchmarks, written once into the temp folder and
// kept between runs (the 135M shape takes a while to initialise and write): full models of a shape with
// different seeds, and light experts' PEFT adapter folders over them (B non-zero, so each adapter changes
// its base, as a trained one would).
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTER_CONFIG_FILE, writeAdapterFolder } from '../engine/model/adapter-folder';
import { parseModelConfig, type ModelConfigInput } from '../engine/model/config';
import { writeModelFolder } from '../engine/model/folder';
import { initParameters } from '../engine/model/init';
import { initLoraFactor, loraSpecs, type LoraConfig } from '../engine/model/lora';
import { elementCount } from '../engine/model/names';
import { Rng } from '../engine/model/rng';

/** Folder `${prefix}-${j}` for j < count, model j initialised with seed seedBase + j. */
export async function benchModelFolders(prefix: string, input: ModelConfigInput, count: number, seedBase: number): Promise<string[]> {
  const config = parseModelConfig(input);
  const folders: string[] = [];
  for (let j = 0; j < count; j++) {
    const folder = join(tmpdir(), `${prefix}-${j}`);
    if (!existsSync(join(folder, 'model.safetensors'))) {
      mkdirSync(folder, { recursive: true });
      await writeModelFolder(folder, {
        config,
        tensors: [...initParameters(config, seedBase + j)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data })),
      });
    }
    folders.push(folder);
  }
  return folders;
}

/** Adapter folders `${prefix}-${j}` for j < count over a base of `input`: A as PEFT initialises it, B ~ N(0, 0.02). */
export async function benchAdapterFolders(prefix: string, input: ModelConfigInput, lora: LoraConfig, count: number): Promise<string[]> {
  const config = parseModelConfig(input);
  const folders: string[] = [];
  for (let j = 0; j < count; j++) {
    const folder = join(tmpdir(), `${prefix}-${j}`);
    if (!existsSync(join(folder, ADAPTER_CONFIG_FILE))) {
      const tensors = new Map(
        loraSpecs(config, lora).map((s) => {
          const data =
            s.factor === 'A' ? initLoraFactor(s, j) : new Rng(j, s.name).fillNormal(new Float32Array(elementCount(s.shape)), 0, 0.02);
          return [s.name, data];
        }),
      );
      await writeAdapterFolder(folder, { config, lora, baseModel: 'bench-base', tensors });
    }
    folders.push(folder);
  }
  return folders;
}
