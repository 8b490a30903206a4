// A light expert's adapter on disk, as a PEFT adapter folder: adapter_config.json (peft_type LORA,
// task_type CAUSAL_LM, r, lora_alpha, target_modules, base_model_name_or_path) and adapter_model.safetensors
// with PEFT's tensor names (base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight, ...), so
// `PeftModel.from_pretrained(base, folder)` loads what Grove trains, and Grove reads what PEFT saves.
// Only what Grove computes is accepted: plain LoRA (no DoRA, rsLoRA, per-module rank or alpha patterns,
// bias training or fan-in-fan-out weights); anything else is refused with the setting to change.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { writeFileDurable } from '../durable-write';
import type { ModelConfig } from './config';
import { LORA_TARGETS, loraSpecs, type LoraConfig, type LoraTarget } from './lora';
import { verifyContentAddress } from './content-address';
import { SafetensorsFile, type TensorReader } from './safetensors';
import { writeSafetensors, type WriteOptions, type WrittenFile } from './safetensors-write';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** PEFT's prefix on every tensor of a causal-LM adapter (PeftModel.base_model.model is the LlamaForCausalLM). */
export const PEFT_PREFIX = 'base_model.model.';

/** A Grove adapter tensor name (model.layers.0.self_attn.q_proj.lora_A.weight) as PEFT stores it. */
export const peftName = (name: string): string => `${PEFT_PREFIX}${name}`;

export interface AdapterDescription {
  lora: LoraConfig;
  /** base_model_name_or_path: the base's Hub id or, for Grove's own bases, its content hash. */
  baseModel: string;
}

/** adapter_config.json as PEFT writes it (the settings PEFT reads; the rest take PEFT's defaults). */
export function adapterConfigJson(d: AdapterDescription): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: d.baseModel,
    r: d.lora.rank,
    lora_alpha: d.lora.alpha,
    lora_dropout: 0,
    target_modules: [...d.lora.targets],
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
  };
}

/** Reads adapter_config.json's settings, refusing what Grove's forward does not compute. */
export function parseAdapterConfig(json: unknown, where: string): AdapterDescription {
  const bad = (what: string): never => {
    throw new GroveError('unsupported', `${where}: ${what}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('not a JSON object. Re-export the adapter.');
  const c = json as Record<string, unknown>;
  if (c.peft_type !== 'LORA') bad(`peft_type is ${JSON.stringify(c.peft_type)}; Grove reads LoRA adapters (peft_type "LORA") only.`);
  if (c.task_type !== undefined && c.task_type !== null && c.task_type !== 'CAUSAL_LM')
    bad(`task_type is ${JSON.stringify(c.task_type)}; Grove's experts are causal language models (CAUSAL_LM).`);
  if (!Number.isInteger(c.r) || (c.r as number) < 1) bad(`r is ${JSON.stringify(c.r)}, not a positive integer rank.`);
  const alpha = c.lora_alpha ?? 8; // PEFT's default
  if (typeof alpha !== 'number' || !(alpha > 0)) return bad(`lora_alpha is ${JSON.stringify(alpha)}, not a positive number.`);
  if (c.use_dora === true) bad('it is a DoRA adapter (use_dora); Grove computes plain LoRA. Train it without DoRA.');
  if (c.use_rslora === true) bad('it uses rank-stabilised scaling (use_rslora); Grove scales by lora_alpha / r. Train it without rsLoRA.');
  if (c.fan_in_fan_out === true) bad('its weights are stored fan-in-fan-out (Conv1D layout); Grove reads PyTorch Linear layout.');
  if (c.bias !== undefined && c.bias !== 'none')
    bad(`it trains biases (bias ${JSON.stringify(c.bias)}); Grove's adapters have none (bias "none").`);
  // (layers_pattern only names the layer list that layers_to_transform indexes: harmless alone.)
  const layers = c.layers_to_transform;
  if (layers !== undefined && layers !== null && !(Array.isArray(layers) && layers.length === 0))
    bad('it adapts only some layers (layers_to_transform); Grove adapts every layer. Train it without layers_to_transform.');
  for (const key of ['rank_pattern', 'alpha_pattern'] as const) {
    const v = c[key];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Object.keys(v).length > 0))
      bad(`it sets ${key}; Grove uses one rank and alpha for every projection.`);
  }
  if (
    c.modules_to_save !== undefined &&
    c.modules_to_save !== null &&
    !(Array.isArray(c.modules_to_save) && c.modules_to_save.length === 0)
  )
    bad('it also saves full modules (modules_to_save); Grove adapters hold low-rank factors only.');
  const targets = c.target_modules;
  if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string'))
    return bad(`target_modules is ${JSON.stringify(targets)}; Grove reads a list of projection names (${LORA_TARGETS.join(', ')}).`);
  const unknown = targets.filter((t) => !(LORA_TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0) bad(`target_modules names ${unknown.join(', ')}; Grove adapts ${LORA_TARGETS.join(', ')}.`);
  // Grove's order, whatever order the file lists them in.
  const lora: LoraConfig = { rank: c.r as number, alpha, targets: LORA_TARGETS.filter((t) => targets.includes(t)) as LoraTarget[] };
  if (typeof c.base_model_name_or_path !== 'string' || c.base_model_name_or_path === '')
    bad('base_model_name_or_path is missing; an adapter must say which base it was trained on.');
  return { lora, baseModel: c.base_model_name_or_path as string };
}

/** Writes adapter_model.safetensors (tensors by Grove name, stored under PEFT's) and adapter_config.json into `folder` (made if missing); returns the weights file. */
export async function writeAdapterFolder(
  folder: string,
  adapter: AdapterDescription & { config: ModelConfig; tensors: ReadonlyMap<string, Float32Array> },
  options: WriteOptions = {},
): Promise<WrittenFile> {
  const tensors = loraSpecs(adapter.config, adapter.lora).map((s) => {
    const data = adapter.tensors.get(s.name);
    if (!data) throw new GroveError('internal', `writeAdapterFolder: no values for adapter tensor ${s.name}.`);
    return { name: peftName(s.name), shape: s.shape, data };
  });
  await mkdir(folder, { recursive: true });
  const written = await writeSafetensors(join(folder, ADAPTER_WEIGHTS_FILE), tensors, options);
  await writeFileDurable(join(folder, ADAPTER_CONFIG_FILE), JSON.stringify(adapterConfigJson(adapter), null, 2) + '\n');
  return written;
}

export interface AdapterFolder extends AdapterDescription {
  /** Tensors under PEFT's names; resolve Grove names with peftName. Close when done. */
  weights: TensorReader;
}

/** Reads and checks an adapter folder's adapter_config.json (refusing what Grove does not compute). */
export async function readAdapterDescription(folder: string): Promise<AdapterDescription> {
  const configPath = join(folder, ADAPTER_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (err) {
    throw new GroveError(
      'not_found',
      `${configPath}: cannot read the adapter's config (${(err as NodeJS.ErrnoException).code ?? String(err)}). Point Grove at a PEFT adapter folder.`,
      { path: configPath },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GroveError('bad_input', `${configPath}: not valid JSON. Re-export the adapter.`, { path: configPath });
  }
  return parseAdapterConfig(json, configPath);
}

/** Reads an adapter folder and checks every tensor the config implies is there with its shape for `config` (and a store folder against its address). */
export async function readAdapterFolder(folder: string, config: ModelConfig): Promise<AdapterFolder> {
  const description = await readAdapterDescription(folder);
  // A folder of the forest's store opens only while its files are the ones its name says.
  await verifyContentAddress(folder, ADAPTER_WEIGHTS_FILE, ADAPTER_CONFIG_FILE);
  const weights = await SafetensorsFile.open(join(folder, ADAPTER_WEIGHTS_FILE));
  try {
    for (const s of loraSpecs(config, description.lora)) {
      const name = peftName(s.name);
      if (!weights.has(name))
        throw new GroveError(
          'bad_input',
          `${weights.path}: tensor ${name} is missing, though adapter_config.json targets it. The adapter is incomplete or for another model.`,
        );
      const shape = weights.info(name).shape;
      if (shape.join(',') !== s.shape.join(','))
        throw new GroveError(
          'bad_input',
          `${weights.path}: tensor ${name} is [${shape.join(', ')}], but this base with rank ${description.lora.rank} needs [${s.shape.join(', ')}]. The adapter was trained on another base.`,
        );
    }
  } catch (err) {
    await weights.close();
    throw err;
  }
  return { ...description, weights };
}
