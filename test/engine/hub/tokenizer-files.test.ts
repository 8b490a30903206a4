// tokenizer_config.json's token and template forms, special_tokens_map.json as a fallback, generation_config.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generationDefaults, readChatTemplate, readOptionalJson, specialTokenNames } from '../../../src/engine/hub/tokenizer-files';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('tokenizer files', () => {
  it('reads tokens as strings or AddedToken objects; special_tokens_map.json fills the gaps', () => {
    const config = { bos_token: null, eos_token: { content: '</s>', lstrip: false }, pad_token: '<pad>' };
    expect(specialTokenNames(config, { bos_token: '<s>', eos_token: '<ignored>', unk_token: { content: '<unk>' } })).toEqual({
      bos: '<s>',
      eos: '</s>',
      pad: '<pad>',
      unk: '<unk>',
    });
    expect(specialTokenNames(null, null)).toEqual({ bos: null, eos: null, pad: null, unk: null });
  });

  it('picks the "default" of named templates, else chat_template.jinja, else chat_template.json', async () => {
    const folder = join(dir, 'templates');
    mkdirSync(folder);
    expect(
      await readChatTemplate(folder, {
        chat_template: [
          { name: 'tool_use', template: 'T' },
          { name: 'default', template: 'D' },
        ],
      }),
    ).toBe('D');
    expect(await readChatTemplate(folder, {})).toBeNull();
    writeFileSync(join(folder, 'chat_template.json'), JSON.stringify({ chat_template: 'J' }));
    expect(await readChatTemplate(folder, {})).toBe('J');
    writeFileSync(join(folder, 'chat_template.jinja'), 'K');
    expect(await readChatTemplate(folder, { chat_template: '' })).toBe('K');
    expect(await readChatTemplate(folder, { chat_template: 'C' })).toBe('C');
  });

  it('reads generation defaults, one eos id or several, and refuses a broken JSON file by name', async () => {
    expect(generationDefaults({ eos_token_id: 7, top_k: 50, repetition_penalty: 1.1, max_length: 2048, unknown: 1 })).toEqual({
      eosTokenIds: [7],
      topK: 50,
      repetitionPenalty: 1.1,
      maxLength: 2048,
    });
    expect(generationDefaults(null)).toBeNull();
    const folder = join(dir, 'broken');
    mkdirSync(folder);
    writeFileSync(join(folder, 'generation_config.json'), '{"eos_token_id": ');
    await expect(readOptionalJson(folder, 'generation_config.json')).rejects.toThrow(
      /generation_config\.json is not valid JSON \(it breaks off before its end\); the file may be truncated/,
    );
    expect(await readOptionalJson(folder, 'absent.json')).toBeNull();
  });
});
