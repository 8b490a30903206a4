// The JSON files beside tokenizer.json are checked when the tokenizer loads, so at import: an empty, array-shaped
// or wrong-typed generation_config.json / tokenizer_config.json / special_tokens_map.json is refused by file and
// key before it can break every chat. Real files' shapes (nulls, AddedToken objects, lists) still load.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroveError } from '../../../src/shared/api/errors';
import { readPromptStyle } from '../../../src/engine/generate/chat-prompt';
import { importModelFolder } from '../../../src/engine/hub/import';
import { prepareSeed } from '../../../src/app/store/init';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { writeTinyModel } from '../hub/tiny-model';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir('grove-folder-files-');
let model: string;
let n = 0;

beforeAll(async () => {
  model = join(dir, 'model');
  await writeTinyModel(model);
});

/** A copy of the tiny model folder with `name` replaced by `content` (a string is written as is). */
function folderWith(name: string, content: unknown): string {
  const folder = join(dir, `case-${n++}`);
  cpSync(model, folder, { recursive: true });
  writeFileSync(join(folder, name), typeof content === 'string' ? content : JSON.stringify(content));
  return folder;
}

async function refusal(promise: Promise<unknown>): Promise<GroveError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GroveError);
  expect((err as GroveError).message).not.toMatch(/Unexpected|SyntaxError|JSON\.parse|Maximum call stack/);
  return err as GroveError;
}

const HOSTILE: Array<[string, string, unknown, RegExp]> = [
  ['a zero-byte generation_config.json', 'generation_config.json', '', /generation_config\.json is empty \(0 bytes\)/],
  ['a blank generation_config.json', 'generation_config.json', ' \n', /generation_config\.json is empty \(only blank space\)/],
  ['a truncated generation_config.json', 'generation_config.json', '{"eos_token_id": [2,', /generation_config\.json is not valid JSON/],
  [
    'an array as generation_config.json',
    'generation_config.json',
    [1, 2],
    /generation_config\.json should hold a JSON object \(\{\.\.\.\}\) but holds a list/,
  ],
  [
    'an eos_token_id that is a string',
    'generation_config.json',
    { eos_token_id: '2' },
    /generation_config\.json: key "eos_token_id" should be a token id .* but is "2"/,
  ],
  [
    'an eos_token_id of 2^32',
    'generation_config.json',
    { eos_token_id: [2, 2 ** 32] },
    /key "eos_token_id\.1" should be a token id .* but is 4294967296\./,
  ],
  [
    'a temperature that is text',
    'generation_config.json',
    { temperature: 'hot' },
    /key "temperature" should be a number or null, but is "hot"/,
  ],
  ['a top_k of 1.5', 'generation_config.json', { top_k: 1.5 }, /key "top_k" should be a non-negative integer or null, but is 1\.5/],
  ['do_sample as a string', 'generation_config.json', { do_sample: 'yes' }, /key "do_sample" should be true, false or null, but is "yes"/],
  [
    'an array as tokenizer_config.json',
    'tokenizer_config.json',
    [{ eos_token: '</s>' }],
    /tokenizer_config\.json should hold a JSON object .* but holds a list/,
  ],
  ['a number as tokenizer_config.json', 'tokenizer_config.json', 42, /tokenizer_config\.json should hold a JSON object .* but holds 42/],
  ['a zero-byte tokenizer_config.json', 'tokenizer_config.json', '', /tokenizer_config\.json is empty \(0 bytes\)/],
  [
    'an eos_token that is a number',
    'tokenizer_config.json',
    { eos_token: 5 },
    /tokenizer_config\.json: key "eos_token" should be a token: a string, \{"content": "\.\.\."\} or null, but is 5/,
  ],
  ['a chat_template that is a number', 'tokenizer_config.json', { chat_template: 7 }, /key "chat_template" should be a template string/],
  [
    'a special_tokens_map.json token that is a list',
    'special_tokens_map.json',
    { bos_token: [] },
    /special_tokens_map\.json: key "bos_token" should be a token/,
  ],
  ['a chat_template.json that is an array', 'chat_template.json', ['{{ x }}'], /chat_template\.json should hold a JSON object/],
];

describe('tokenizer folder files', () => {
  it.each(HOSTILE)('%s is refused when the tokenizer loads, naming the file and key', async (_what, name, content, message) => {
    const folder = folderWith(name, content);
    const err = await refusal(loadTokenizer(folder));
    expect(err.code).toBe('bad_input');
    expect(err.message).toMatch(message);
    expect(err.message).toContain(join(folder, name));
  });

  it.each(HOSTILE.filter(([, name]) => name === 'generation_config.json' || name === 'tokenizer_config.json').slice(0, 4))(
    '%s is refused by every import path (import check, init --from) and by chat with the same sentence',
    async (_what, name, content, message) => {
      const folder = folderWith(name, content);
      expect((await refusal(importModelFolder(folder))).message).toMatch(message);
      const home = join(dir, `home-${n++}`);
      mkdirSync(home);
      expect((await refusal(prepareSeed(home, folder))).message).toMatch(message);
      const tokenizer = await loadTokenizer(model);
      expect((await refusal(readPromptStyle(folder, tokenizer))).message).toMatch(message);
    },
  );

  it('a FIFO or folder under a file name is refused, not read forever', async () => {
    const folder = join(dir, `case-${n++}`);
    cpSync(model, folder, { recursive: true });
    mkdirSync(join(folder, 'special_tokens_map.json'));
    expect((await refusal(loadTokenizer(folder))).message).toContain('special_tokens_map.json cannot be read (it is not a regular file)');
  });

  it('accepts the shapes real files have: nulls, AddedToken objects, named templates, eos lists, unknown keys', async () => {
    const folder = folderWith('generation_config.json', {
      _from_model_config: true,
      bos_token_id: 1,
      eos_token_id: [2, 0],
      pad_token_id: null,
      temperature: null,
      top_k: 20,
      repetition_penalty: 1.05,
      transformers_version: '4.46.0',
    });
    writeFileSync(
      join(folder, 'special_tokens_map.json'),
      JSON.stringify({ bos_token: { content: '<|im_start|>', lstrip: false }, pad_token: null, additional_special_tokens: ['<|im_end|>'] }),
    );
    writeFileSync(
      join(folder, 'tokenizer_config.json'),
      JSON.stringify({
        bos_token: null,
        eos_token: '<|im_end|>',
        model_max_length: 1e30,
        chat_template: [{ name: 'default', template: '{{ x }}' }],
        added_tokens_decoder: { '0': { content: '<|endoftext|>' } },
      }),
    );
    const tokenizer = await loadTokenizer(folder);
    expect(tokenizer.special.eos?.token).toBe('<|im_end|>');
    const style = await readPromptStyle(folder, tokenizer);
    expect(style.chatTemplate).toBe('{{ x }}');
    expect(style.stopTokens).toEqual([0, 2, tokenizer.special.eos!.id].filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => a - b));
  });
});
