// A PEFT LoRA adapter folder from elsewhere (trained with PEFT, or exported by Grove) taken in as a light
// expert of a base: the folder is checked against the base before anything of it is trusted, and a mismatch is
// refused with the reason in the base's own terms (layer count, hidden_size, intermediate_size, attention
// widths) rather than a tensor shape. Tensors PEFT can write that Grove does not compute (LoRA on embeddings or
// lm_head, lora_B biases, DoRA magnitudes) are refused by name, never dropped. Values are read as float32
// (PEFT saves in the base's dtype: F32, F16 and BF16 are read) and checked finite. A folder of the forest's
// store is also checked against its content address, so a damaged or swapped file is never read as the expert.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, peftName, readAdapterDescription } from './adapter-folder';
import type { ModelConfig } from './config';
import { verifyContentAddress } from './content-address';
import { FLOAT_DTYPES } from './dtype';
import { readConfigFile } from './folder';
import { assertFinite } from './finite';
import type { LoraTarget } from './lora';
import { adaptedProjections, type LoraAdapter } from './lora-adapter';
import { checkRegularFiles } from './model-file';
import { SafetensorsFile } from './safetensors';

export interface ImportedPeftAdapter extends LoraAdapter {
  /** adapter_config.json's base_model_name_or_path: what its trainer called the base (informative only). */
  baseModel: string;
}

const LORA_TENSOR = /^base_model\.model\.model\.layers\.(\d+)\.(?:self_attn|mlp)\.([a-z_]+)\.lora_[AB]\.weight$/;

/** What a projection's input or output width is called in the base's config.json. */
function widthName(target: LoraTarget, side: 'in' | 'out'): string {
  const attention = 'num_attention_heads x head_dim';
  const kv = 'num_key_value_heads x head_dim';
  const names: Record<LoraTarget, [string, string]> = {
    q_proj: ['hidden_size', attention],
    k_proj: ['hidden_size', kv],
    v_proj: ['hidden_size', kv],
    o_proj: [attention, 'hidden_size'],
    gate_proj: ['hidden_size', 'intermediate_size'],
    up_proj: ['hidden_size', 'intermediate_size'],
    down_proj: ['intermediate_size', 'hidden_size'],
  };
  return names[target][side === 'in' ? 0 : 1];
}

/** Reads the PEFT adapter in `adapterFolder` as a light expert of the base model folder `baseFolder` (its config.json). */
export async function importPeftAdapter(adapterFolder: string, baseFolder: string): Promise<ImportedPeftAdapter> {
  const { config } = await readConfigFile(baseFolder);
  return readPeftAdapterFor(adapterFolder, config, baseFolder);
}

/** Reads the PEFT adapter in `folder`, refusing it with the reason unless it fits `config` (the base called `baseLabel`). */
export async function readPeftAdapterFor(folder: string, config: ModelConfig, baseLabel: string): Promise<ImportedPeftAdapter> {
  if (
    !(await stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new GroveError(
      'not_found',
      `${folder} is not a folder. Point Grove at a PEFT adapter folder (adapter_config.json, adapter_model.safetensors).`,
      { path: folder },
    );
  }
  await checkRegularFiles(folder, ['adapter_config.json', ADAPTER_WEIGHTS_FILE, 'adapter_model.bin']);
  const { lora, baseModel } = await readAdapterDescription(folder);
  const weightsPath = join(folder, ADAPTER_WEIGHTS_FILE);
  if (
    !(await stat(weightsPath).then(
      () => true,
      () => false,
    ))
  ) {
    if (
      await stat(join(folder, 'adapter_model.bin')).then(
        () => true,
        () => false,
      )
    ) {
      throw new GroveError(
        'unsupported',
        `${folder}: the adapter is saved as a PyTorch pickle (adapter_model.bin), which can run code when loaded; Grove reads safetensors only. Load it in PEFT and save it again with save_pretrained(folder, safe_serialization=True).`,
        { path: folder },
      );
    }
    throw new GroveError(
      'not_found',
      `${folder}: no ${ADAPTER_WEIGHTS_FILE} beside adapter_config.json. The adapter folder is incomplete.`,
      { path: folder },
    );
  }
  await verifyContentAddress(folder, ADAPTER_WEIGHTS_FILE, ADAPTER_CONFIG_FILE);
  const refuse = (what: string, details?: unknown): never => {
    throw new GroveError('bad_input', `${weightsPath}: ${what}`, details);
  };
  const another = `The adapter was trained on another base than ${baseLabel}; import it into a forest whose base is the model it was trained on.`;
  const weights = await SafetensorsFile.open(weightsPath);
  try {
    // Every tensor must be one Grove computes; then the layers and targets they cover must be the base's.
    const names = weights.tensorNames;
    if (names.length === 0) refuse('it holds no tensors. The adapter folder is damaged: export it again.');
    const foreign = names.filter((n) => !LORA_TENSOR.test(n));
    if (foreign.length > 0)
      refuse(
        `it holds tensor${foreign.length === 1 ? '' : 's'} ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''} that are not LoRA factors of a Llama projection under PEFT's names (base_model.model.model.layers.N...; Grove computes lora_A and lora_B of ${lora.targets.join(', ')} only: no embedding or lm_head adapters, biases or DoRA magnitudes). Train it with plain LoRA on the attention and MLP projections.`,
        { tensors: foreign.slice(0, 20) },
      );
    const layers = new Set(names.map((n) => Number(LORA_TENSOR.exec(n)![1])));
    const L = config.numHiddenLayers;
    if (layers.size !== L || Math.max(...layers) >= L) {
      refuse(
        `it adapts ${layers.size} layer${layers.size === 1 ? '' : 's'} (numbered ${Math.min(...layers)} to ${Math.max(...layers)}), but the base has ${L} (num_hidden_layers). ${another}`,
        { layers: layers.size, baseLayers: L },
      );
    }
    const untargeted = [...new Set(names.map((n) => LORA_TENSOR.exec(n)![2]!))].filter(
      (t) => !(lora.targets as readonly string[]).includes(t),
    );
    if (untargeted.length > 0)
      refuse(
        `it holds factors for ${untargeted.join(', ')}, which adapter_config.json's target_modules (${lora.targets.join(', ')}) does not list. The folder's config and weights disagree: re-save the adapter.`,
        { targets: untargeted },
      );

    const tensors = new Map<string, Float32Array>();
    for (const p of adaptedProjections(config, lora.targets)) {
      for (const factor of ['A', 'B'] as const) {
        const name = `${p.projection}.lora_${factor}.weight`;
        const stored = peftName(name);
        if (!weights.has(stored))
          refuse(
            `tensor ${stored} is missing, though adapter_config.json targets ${p.target} and the base has ${L} layers. The adapter is incomplete.`,
            { tensor: stored },
          );
        const info = weights.info(stored);
        if (!(FLOAT_DTYPES as readonly string[]).includes(info.dtype))
          refuse(
            `tensor ${stored} is ${info.dtype}; Grove reads float adapters (${FLOAT_DTYPES.join(', ')}). Save the adapter unquantized.`,
            { tensor: stored },
          );
        const [rows, cols] = info.shape;
        if (info.shape.length !== 2)
          refuse(`tensor ${stored} has shape [${info.shape.join(', ')}], not a matrix. The adapter is damaged or not LoRA.`, {
            tensor: stored,
          });
        const rank = factor === 'A' ? rows! : cols!;
        if (rank !== lora.rank)
          refuse(
            `tensor ${stored} has rank ${rank}, but adapter_config.json says r = ${lora.rank}. The folder's config and weights disagree: re-save the adapter.`,
            { tensor: stored },
          );
        const [side, width, expected] = factor === 'A' ? (['in', cols!, p.in] as const) : (['out', rows!, p.out] as const);
        if (width !== expected)
          refuse(
            `tensor ${stored} is [${info.shape.join(', ')}]: the adapter's ${p.target} ${side === 'in' ? 'input' : 'output'} width (${widthName(p.target, side)}) is ${width}, the base's is ${expected}. ${another}`,
            { tensor: stored, width, expected },
          );
        const values = await weights.readFloat32(stored);
        assertFinite(values, stored, weightsPath);
        tensors.set(name, values);
      }
    }
    return { lora, tensors, baseModel };
  } finally {
    await weights.close();
  }
}
