// Importing a Hugging Face model folder: a Llama and a Qwen2 folder described (dtype, parameters, bytes,
// tokens, chat template, generation defaults), sharded F16 weights, a downloaded snapshot, and clear refusals.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { promptFor } from '../../../src/engine/hub/chat-template';
import { downloadModel } from '../../../src/engine/hub/download';
import { importModelFolder } from '../../../src/engine/hub/import';
import { parseModelConfig } from '../../../src/engine/model/config';
import { parameterCount } from '../../../src/engine/model/names';
import { initForestFromModel } from '../../../src/app/store/init';
import { tempDir } from '../../helpers/tmp';
import { startHubServer, type HubServer } from './hub-server';
import { CHATML_TEMPLATE, TINY_CONFIG, writeTinyModel } from './tiny-model';

const dir = tempDir();
let llama: string;
let hub: HubServer;

beforeAll(async () => {
  llama = join(dir, 'llama');
  const files = await writeTinyModel(llama);
  hub = await startHubServer([{ repoId: 'grove-test/tiny', commit: 'e'.repeat(40), files }]);
});
afterAll(() => hub.close());

describe('importModelFolder', () => {
  it('describes a Llama instruct folder: BF16 weights, parameters, bytes, tokens, chat template, generation defaults', async () => {
    const model = await importModelFolder(llama);
    const config = parseModelConfig({ ...TINY_CONFIG, torchDtype: 'bfloat16' });
    expect(model).toMatchObject({
      folder: llama,
      family: 'llama',
      dtype: 'BF16',
      parameters: parameterCount(config),
      chatTemplate: CHATML_TEMPLATE,
    });
    expect(model.config).toEqual(config);
    expect(model.extras).toEqual({ transformers_version: '4.46.0', pad_token_id: 2 });
    const bytes = statSync(join(llama, 'model.safetensors')).size;
    expect(model.weightFiles).toEqual([{ path: join(llama, 'model.safetensors'), bytes }]);
    // BF16: two bytes a parameter, plus the header.
    expect(model.weightsBytes).toBe(bytes);
    expect(bytes - 2 * model.parameters).toBeGreaterThan(0);
    expect(bytes - 2 * model.parameters).toBeLessThan(4096);
    expect(model.files).toEqual({
      'config.json': true,
      'generation_config.json': true,
      'tokenizer.json': true,
      'tokenizer_config.json': true,
      'special_tokens_map.json': false,
      'chat_template.jinja': false,
      'chat_template.json': false,
    });
    expect(model.specialTokens).toEqual({ bos: '<|im_start|>', eos: '<|im_end|>', pad: '<|im_end|>', unk: '<|endoftext|>' });
    expect(model.tokenizerVocabSize).toBeGreaterThan(258);
    expect(model.tokenizerVocabSize).toBeLessThanOrEqual(320);
    expect(model.generation).toEqual({
      bosTokenId: 1,
      eosTokenIds: [2, 0],
      padTokenId: 2,
      doSample: true,
      temperature: 0.2,
      topP: 0.9,
      maxNewTokens: 64,
    });
    expect(promptFor(model, [{ role: 'user', content: 'Hi' }])).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('describes a Qwen2 base folder with sharded F16 weights; a chat_template.jinja beside it is found', async () => {
    const folder = join(dir, 'qwen');
    await writeTinyModel(folder, { config: { architecture: 'Qwen2ForCausalLM', qkvBias: true }, dtype: 'F16', sharded: true, base: true });
    const model = await importModelFolder(folder);
    expect(model).toMatchObject({ family: 'qwen2', dtype: 'F16', chatTemplate: null });
    expect(model.parameters).toBe(parameterCount(parseModelConfig({ ...TINY_CONFIG, architecture: 'Qwen2ForCausalLM', qkvBias: true })));
    expect(model.weightFiles.map((f) => f.path)).toEqual([
      join(folder, 'model-00001-of-00002.safetensors'),
      join(folder, 'model-00002-of-00002.safetensors'),
    ]);
    expect(promptFor(model, 'The forest')).toBe('The forest');
    writeFileSync(join(folder, 'chat_template.jinja'), CHATML_TEMPLATE);
    expect((await importModelFolder(folder)).chatTemplate).toBe(CHATML_TEMPLATE);
  });

  it('imports a snapshot downloaded from the Hub as it lies in the cache', async () => {
    const result = await downloadModel('grove-test/tiny', { cacheDir: join(dir, 'cache'), endpoint: hub.endpoint, token: false, env: {} });
    const model = await importModelFolder(result.folder);
    expect(model).toMatchObject({ family: 'llama', dtype: 'BF16', chatTemplate: CHATML_TEMPLATE });
    expect(model.weightsBytes).toBe(statSync(join(llama, 'model.safetensors')).size);
  });

  it('names an unsupported architecture and the supported ones', async () => {
    const folder = join(dir, 'bert');
    await writeTinyModel(folder, { architectures: ['BertForMaskedLM'] });
    const err = await importModelFolder(folder).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroveError);
    expect(err).toMatchObject({
      code: 'unsupported',
      details: { found: ['BertForMaskedLM'], supported: ['LlamaForCausalLM', 'Qwen2ForCausalLM'] },
    });
    expect((err as GroveError).message).toBe(
      `${join(folder, 'config.json')}: architecture ["BertForMaskedLM"] is not supported; Grove runs LlamaForCausalLM, Qwen2ForCausalLM. Choose a model of one of those families.`,
    );
  });

  it('refuses a folder without tokenizer.json, and a path that is no folder', async () => {
    const folder = join(dir, 'no-tokenizer');
    await writeTinyModel(folder);
    rmSync(join(folder, 'tokenizer.json'));
    await expect(importModelFolder(folder)).rejects.toThrow(
      /no-tokenizer: there is no tokenizer\.json; Grove reads Hugging Face fast tokenizers/,
    );
    await expect(importModelFolder(join(dir, 'nothing'))).rejects.toThrow(
      /nothing is not a folder\. Point Grove at a Hugging Face model folder/,
    );
  });

  it('refuses, by name and without opening it, a metadata file that is a FIFO or a folder (import and init --from)', async () => {
    const folder = join(dir, 'fifo');
    await writeTinyModel(folder);
    rmSync(join(folder, 'generation_config.json'));
    execFileSync('mkfifo', [join(folder, 'generation_config.json')]);
    await expect(importModelFolder(folder)).rejects.toThrow(
      /generation_config\.json: generation_config\.json is a named pipe \(FIFO\), not a regular file/,
    );
    await expect(initForestFromModel(join(dir, 'fifo-home'), folder)).rejects.toThrow(/generation_config\.json is a named pipe/);
    rmSync(join(folder, 'generation_config.json'));
    rmSync(join(folder, 'tokenizer_config.json'));
    mkdirSync(join(folder, 'tokenizer_config.json'));
    await expect(importModelFolder(folder)).rejects.toThrow(/tokenizer_config\.json is a folder, not a regular file/);
  });
});
