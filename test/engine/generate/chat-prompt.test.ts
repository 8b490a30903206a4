// Prompts from a conversation: a base model continues the user's text with the conversation as context
// (a reply glued to the message it continued); an instruct model gets its chat template with the
// assistant's turn opened; long conversations lose their oldest part; stop tokens come from the files.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatPromptIds, continuationText, readPromptStyle, type PromptStyle } from '../../../src/engine/generate/chat-prompt';
import { renderChatTemplate } from '../../../src/engine/hub/chat-template';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import type { Tokenizer } from '../../../src/engine/tokenize/tokenizer';
import { tempDir } from '../../helpers/tmp';
import { CHATML_TEMPLATE, writeTinyModel } from '../hub/tiny-model';

const dir = tempDir();
let tokenizer: Tokenizer;
let instruct: PromptStyle;
let base: PromptStyle;

beforeAll(async () => {
  await writeTinyModel(join(dir, 'instruct'));
  await writeTinyModel(join(dir, 'base'), { base: true });
  tokenizer = await loadTokenizer(join(dir, 'instruct'));
  instruct = await readPromptStyle(join(dir, 'instruct'), tokenizer);
  base = await readPromptStyle(join(dir, 'base'), await loadTokenizer(join(dir, 'base')));
});

const conversation = [
  { role: 'user', content: 'The forest grows' },
  { role: 'assistant', content: ' one expert per domain.' },
  { role: 'user', content: 'Branch, train, merge' },
] as const;

describe('prompt style', () => {
  it('reads the chat template and every stop token', () => {
    expect(instruct.chatTemplate).toBe(CHATML_TEMPLATE);
    expect(base.chatTemplate).toBeNull();
    // <|im_end|> is the tokenizer's EOS; generation_config.json adds ids 2 and 0.
    expect(instruct.stopTokens).toEqual([...new Set([0, 2, tokenizer.tokenToId('<|im_end|>')!])].sort((a, b) => a - b));
    expect(instruct.specialTokens).toMatchObject({ eos: '<|im_end|>', bos: '<|im_start|>' });
  });
});

describe('chatPromptIds', () => {
  it('continues the user’s text for a base model, with the conversation before it as context', () => {
    expect(continuationText(conversation)).toBe('The forest grows one expert per domain.\n\nBranch, train, merge');
    const p = chatPromptIds(tokenizer, base, conversation, 1000);
    expect(p.ids).toEqual(
      Array.from(tokenizer.encode('The forest grows one expert per domain.\n\nBranch, train, merge', { addSpecialTokens: true })),
    );
    expect(p.dropped).toEqual({ messages: 0, tokens: 0 });
  });

  it('keeps the most recent tokens of a long base-model context', () => {
    const all = chatPromptIds(tokenizer, base, conversation, 1000).ids;
    const cut = chatPromptIds(tokenizer, base, conversation, 10);
    expect(cut.ids).toHaveLength(10);
    const bos = tokenizer.special.bos?.id;
    const head = bos !== undefined && all[0] === bos ? 1 : 0;
    expect(cut.ids).toEqual([...all.slice(0, head), ...all.slice(all.length - (10 - head))]);
    expect(cut.dropped.tokens).toBe(all.length - 10);
  });

  it('renders an instruct model’s template with the assistant turn opened, dropping the oldest turns to fit', () => {
    const render = (messages: readonly { role: string; content: string }[]) =>
      Array.from(
        tokenizer.encode(
          renderChatTemplate(CHATML_TEMPLATE, messages, {
            addGenerationPrompt: true,
            bosToken: '<|im_start|>',
            eosToken: '<|im_end|>',
            padToken: '<|im_end|>',
            unkToken: '<|endoftext|>',
          }),
        ),
      );
    const full = chatPromptIds(tokenizer, instruct, conversation, 1000);
    expect(full.ids).toEqual(render(conversation));
    expect(tokenizer.decode(full.ids)).toMatch(/<\|im_start\|>assistant\n$/);

    const lastOnly = render(conversation.slice(2));
    const fit = chatPromptIds(tokenizer, instruct, conversation, lastOnly.length);
    expect(fit.ids).toEqual(lastOnly); // the user turn and the reply to it went together
    expect(fit.dropped.messages).toBe(2);

    const withSystem = [{ role: 'system', content: 'Be brief.' }, ...conversation];
    const kept = chatPromptIds(tokenizer, instruct, withSystem, render([withSystem[0]!, ...conversation.slice(2)]).length);
    expect(tokenizer.decode(kept.ids)).toMatch(/^<\|im_start\|>system\nBe brief\./);
    expect(() => chatPromptIds(tokenizer, instruct, conversation, 5)).toThrow(
      /The message is \d+ tokens with the chat template, and the model leaves room for 5/,
    );
  });

  it('refuses a conversation that does not end with the user', () => {
    expect(() => chatPromptIds(tokenizer, base, conversation.slice(0, 2), 100)).toThrow(/ends with a user message/);
  });
});
