// A tiny but real Hugging Face model repository for the tests: a Llama config and BF16 weights written by
// Grove's own writer, a byte-level BPE tokenizer.json trained by Grove, an instruct model's tokenizer_config.json
// with a ChatML template (as SmolLM2-Instruct and Qwen2 ship), generation_config.json, and the files Grove skips.
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelConfig, type ModelConfigInput } from '../../../src/engine/model/config';
import { writeModelFolder } from '../../../src/engine/model/folder';
import { initParameters } from '../../../src/engine/model/init';
import { writeSafetensors } from '../../../src/engine/model/safetensors-write';
import type { WriteDtype } from '../../../src/engine/model/dtype';
import { serializeJson, trainByteLevelBpe } from '../../../src/engine/tokenize';

/** SmolLM2-Instruct's chat template (ChatML with a default system prompt), as in its tokenizer_config.json. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const TEXT = [
  'The forest grows one expert per domain of text.',
  'Branch, train, merge: each expert is trained on its own folder.',
  'A collapsed model is the weighted average of the experts.',
];

export const TINY_CONFIG: ModelConfigInput = {
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 64,
  intermediateSize: 128,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  tieWordEmbeddings: true,
  bosTokenId: 0,
  eosTokenId: 0,
};

export interface TinyModelOptions {
  config?: Partial<ModelConfigInput>;
  dtype?: WriteDtype;
  /** Split the weights into two shards with a model.safetensors.index.json. */
  sharded?: boolean;
  /** Replace config.json's architectures (a model family Grove does not run). */
  architectures?: string[];
  /** Omit tokenizer_config.json's chat template (a base model). */
  base?: boolean;
}

/** Writes the model folder into `dir` and returns its files as a repository would hold them. */
export async function writeTinyModel(dir: string, options: TinyModelOptions = {}): Promise<Record<string, Uint8Array>> {
  mkdirSync(dir, { recursive: true });
  const config = parseModelConfig({ ...TINY_CONFIG, ...options.config });
  const tensors = [...initParameters(config, 7)].map(({ spec, data }) => ({ name: spec.name, shape: spec.shape, data }));
  await writeModelFolder(
    dir,
    { config, extras: { transformers_version: '4.46.0', pad_token_id: 2 }, tensors },
    { dtype: options.dtype ?? 'BF16', metadata: { format: 'pt' } },
  );
  if (options.sharded) {
    const half = Math.ceil(tensors.length / 2);
    const shards = [tensors.slice(0, half), tensors.slice(half)];
    const weightMap: Record<string, string> = {};
    for (const [i, shard] of shards.entries()) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      await writeSafetensors(join(dir, file), shard, { dtype: options.dtype ?? 'BF16' });
      for (const t of shard) weightMap[t.name] = file;
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
    unlinkSync(join(dir, 'model.safetensors'));
  }
  if (options.architectures) {
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ ...json, architectures: options.architectures, model_type: 'other' }, null, 2),
    );
  }
  // Like SmolLM2: <|endoftext|> then the ChatML markers as the first ids.
  const trained = await trainByteLevelBpe(TEXT, {
    vocabSize: 320,
    specialTokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'],
    roles: { bos: '<|im_start|>', eos: '<|im_end|>' },
  });
  writeFileSync(join(dir, 'tokenizer.json'), serializeJson(trained.tokenizerJson));
  const tokenizerConfig = {
    ...trained.tokenizerConfig,
    bos_token: '<|im_start|>',
    eos_token: { __type: 'AddedToken', content: '<|im_end|>', lstrip: false, normalized: false, rstrip: false, single_word: false },
    pad_token: '<|im_end|>',
    unk_token: '<|endoftext|>',
    ...(options.base ? {} : { chat_template: CHATML_TEMPLATE }),
  };
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({
      _from_model_config: true,
      bos_token_id: 1,
      eos_token_id: [2, 0],
      pad_token_id: 2,
      temperature: 0.2,
      top_p: 0.9,
      do_sample: true,
      max_new_tokens: 64,
      transformers_version: '4.46.0',
    }),
  );

  const files: Record<string, Uint8Array> = {};
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    files[name] = readFileSync(join(dir, name));
  }
  // What a real repository holds besides: Grove must not download these.
  files['README.md'] = new TextEncoder().encode('---\nlicense: apache-2.0\n---\n# tiny\n');
  files['.gitattributes'] = new TextEncoder().encode('*.safetensors filter=lfs diff=lfs merge=lfs -text\n');
  files['pytorch_model.bin'] = new Uint8Array(4096).fill(7);
  files['onnx/model.onnx'] = new Uint8Array(2048).fill(9);
  return files;
}
