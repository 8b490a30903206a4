// Checks a local Hugging Face model folder (a download's snapshot, or one the user points at) and describes
// it: config, weights (dtype, parameters, bytes), tokenizer files, special tokens, chat template, generation
// defaults. Nothing is copied or converted here; the store converts F16/BF16 tensor by tensor when it copies.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GroveError } from '../../shared/api/errors';
import type { ModelConfig } from '../model/config';
import { readModelFolder, WEIGHTS_FILE } from '../model/folder';
import { checkRegularFiles } from '../model/model-file';
import { INDEX_FILE } from '../model/sharded';
import { parameterCount, parameterSpecs } from '../model/names';
import { loadTokenizer } from '../tokenize/load';
import { METADATA_FILES } from './select';
import {
  generationDefaults,
  readChatTemplate,
  readOptionalJson,
  specialTokenNames,
  type GenerationDefaults,
  type SpecialTokenNames,
} from './tokenizer-files';

export type WeightsDtype = 'F32' | 'F16' | 'BF16' | 'mixed';

export interface ImportedModel {
  folder: string;
  config: ModelConfig;
  /** config.json keys Grove does not model, kept for writing the config back. */
  extras: Record<string, unknown>;
  family: 'llama' | 'qwen2';
  /** The stored dtype of the parameters ('mixed' when they differ; Grove then keeps F32). */
  dtype: WeightsDtype;
  parameters: number;
  /** The weight files and their bytes on disk. */
  weightFiles: Array<{ path: string; bytes: number }>;
  weightsBytes: number;
  /** Which of the metadata files Grove reads are present. */
  files: Record<(typeof METADATA_FILES)[number], boolean>;
  tokenizerVocabSize: number;
  specialTokens: SpecialTokenNames;
  /** The Jinja chat template of an instruct model; null for a base model, which continues plain text. */
  chatTemplate: string | null;
  generation: GenerationDefaults | null;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function importModelFolder(folder: string): Promise<ImportedModel> {
  if (
    !(await stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new GroveError(
      'not_found',
      `${folder} is not a folder. Point Grove at a Hugging Face model folder (config.json, model.safetensors, tokenizer.json).`,
      { path: folder },
    );
  }
  // Before any file is opened: a FIFO among them would hang its reader, a folder fail without its name.
  await checkRegularFiles(folder, [...METADATA_FILES, WEIGHTS_FILE, INDEX_FILE]);
  // config.json first: an unsupported architecture is named before anything else is looked at.
  const { config, extras, weights } = await readModelFolder(folder);
  let dtype: WeightsDtype;
  const weightFiles: ImportedModel['weightFiles'] = [];
  try {
    const dtypes = new Set(parameterSpecs(config).map((s) => weights.info(s.name).dtype));
    for (const d of dtypes) {
      if (d !== 'F32' && d !== 'F16' && d !== 'BF16') {
        throw new GroveError(
          'unsupported',
          `${folder}: the weights are stored as ${d}; Grove imports F32, F16 and BF16 safetensors. Choose an unquantized version of this model.`,
          { path: folder, dtype: d },
        );
      }
    }
    dtype = dtypes.size === 1 ? ([...dtypes][0] as WeightsDtype) : 'mixed';
    for (const path of new Set(weights.tensorNames.map((n) => weights.info(n).path)))
      weightFiles.push({ path, bytes: (await stat(path)).size });
  } finally {
    await weights.close();
  }

  const files = Object.fromEntries(
    await Promise.all(METADATA_FILES.map(async (name) => [name, await isFile(join(folder, name))] as const)),
  ) as ImportedModel['files'];
  if (!files['tokenizer.json']) {
    throw new GroveError(
      'unsupported',
      `${folder}: there is no tokenizer.json; Grove reads Hugging Face fast tokenizers (a SentencePiece tokenizer.model alone is not enough). Add the model's tokenizer.json or download the model again.`,
      { path: folder },
    );
  }
  const tokenizer = await loadTokenizer(join(folder, 'tokenizer.json'));
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new GroveError(
      'bad_input',
      `${folder}: tokenizer.json has ids up to ${tokenizer.vocabSize - 1} but the model embeds only ${config.vocabSize} tokens: they do not belong together.`,
      { path: folder },
    );
  }
  const tokenizerConfig = await readOptionalJson(folder, 'tokenizer_config.json');
  return {
    folder,
    config,
    extras,
    family: config.architecture === 'Qwen2ForCausalLM' ? 'qwen2' : 'llama',
    dtype,
    parameters: parameterCount(config),
    weightFiles,
    weightsBytes: weightFiles.reduce((sum, f) => sum + f.bytes, 0),
    files,
    tokenizerVocabSize: tokenizer.vocabSize,
    specialTokens: specialTokenNames(tokenizerConfig, await readOptionalJson(folder, 'special_tokens_map.json')),
    chatTemplate: await readChatTemplate(folder, tokenizerConfig),
    generation: generationDefaults(await readOptionalJson(folder, 'generation_config.json')),
  };
}
