// A conversation -> the token ids a model continues. Instruct models (a chat template in the tokenizer
// files) get their template, with the assistant's turn opened. Base models, such as Grove's own seeds and
// experts trained on prose, have never seen "User:"/"Assistant:" turns: asking them to play a chat
// assistant gets imitation of a transcript, not an answer. What a base model does honestly is continue
// text, so a chat with one continues the user's text: the conversation so far is the context (each
// message a paragraph, a reply glued to the message it continued), and the reply is the continuation of
// the newest message. Too long a conversation loses its oldest part first.
import { GroveError } from '../../shared/api/errors';
import { renderChatTemplate, type ChatMessage } from '../hub/chat-template';
import { generationDefaults, readChatTemplate, readOptionalJson, specialTokenNames, type SpecialTokenNames } from '../hub/tokenizer-files';
import type { Tokenizer } from '../tokenize/tokenizer';

export type { ChatMessage };

/** How a tokenizer folder says prompts are built and where generation stops. */
export interface PromptStyle {
  /** The Jinja chat template of an instruct model; null for a base model. */
  chatTemplate: string | null;
  specialTokens: SpecialTokenNames;
  /** Token ids that end a reply: the tokenizer's EOS and generation_config.json's eos_token_id(s). */
  stopTokens: number[];
}

/** Reads tokenizer_config.json, special_tokens_map.json, chat_template.* and generation_config.json. */
export async function readPromptStyle(tokenizerDir: string, tokenizer: Tokenizer): Promise<PromptStyle> {
  const config = await readOptionalJson(tokenizerDir, 'tokenizer_config.json');
  const generation = generationDefaults(await readOptionalJson(tokenizerDir, 'generation_config.json'));
  const stops = new Set<number>(generation?.eosTokenIds ?? []);
  if (tokenizer.special.eos) stops.add(tokenizer.special.eos.id);
  return {
    chatTemplate: await readChatTemplate(tokenizerDir, config),
    specialTokens: specialTokenNames(config, await readOptionalJson(tokenizerDir, 'special_tokens_map.json')),
    stopTokens: [...stops].sort((a, b) => a - b),
  };
}

/**
 * A base model's context: messages as paragraphs, except that an assistant message continues the
 * message before it (it was generated as its continuation), so it is joined without a break.
 */
export function continuationText(messages: readonly ChatMessage[]): string {
  let text = '';
  messages.forEach((m, i) => {
    if (i > 0) text += m.role === 'assistant' && messages[i - 1]!.role !== 'assistant' ? '' : '\n\n';
    text += m.content;
  });
  return text;
}

export interface ChatPrompt {
  ids: number[];
  /** Messages left out from the start (instruct) or tokens cut from the start (base) to fit. */
  dropped: { messages: number; tokens: number };
}

/**
 * The ids to continue for the reply to the last message, at most `maxTokens` long. Instruct models drop
 * whole early turns (a cut template would be malformed; a system message is kept); base models keep the
 * most recent tokens after the BOS token.
 */
export function chatPromptIds(tokenizer: Tokenizer, style: PromptStyle, messages: readonly ChatMessage[], maxTokens: number): ChatPrompt {
  if (messages.length === 0 || messages.at(-1)!.role !== 'user')
    throw new GroveError('bad_input', 'A chat reply needs a conversation that ends with a user message.');
  if (maxTokens < 2)
    throw new GroveError('bad_input', `The model's context leaves ${maxTokens} tokens for the prompt; lower the reply's maximum length.`);
  if (style.chatTemplate === null) {
    const ids = Array.from(tokenizer.encode(continuationText(messages), { addSpecialTokens: true }));
    if (ids.length === 0)
      throw new GroveError('bad_input', 'The message encodes to no tokens and the tokenizer adds no BOS token: write some text.');
    if (ids.length <= maxTokens) return { ids, dropped: { messages: 0, tokens: 0 } };
    const bos = tokenizer.special.bos?.id;
    const head = bos !== undefined && ids[0] === bos ? [bos] : [];
    const tail = ids.slice(ids.length - (maxTokens - head.length));
    return { ids: [...head, ...tail], dropped: { messages: 0, tokens: ids.length - head.length - tail.length } };
  }
  const template = style.chatTemplate;
  const { bos, eos, pad, unk } = style.specialTokens;
  const render = (list: readonly ChatMessage[]) =>
    Array.from(
      tokenizer.encode(
        renderChatTemplate(template, list, { addGenerationPrompt: true, bosToken: bos, eosToken: eos, padToken: pad, unkToken: unk }),
        { addSpecialTokens: false },
      ),
    );
  const system = messages[0]!.role === 'system' ? [messages[0]!] : [];
  let turns = messages.slice(system.length);
  for (;;) {
    const ids = render([...system, ...turns]);
    if (ids.length <= maxTokens) return { ids, dropped: { messages: messages.length - system.length - turns.length, tokens: 0 } };
    if (turns.length === 1) {
      throw new GroveError(
        'bad_input',
        `The message is ${ids.length} tokens with the chat template, and the model leaves room for ${maxTokens}: shorten it, or ask for a shorter reply.`,
        { tokens: ids.length, room: maxTokens },
      );
    }
    // Drop the oldest turn, and an assistant turn left leading (templates expect a user turn first).
    turns = turns.slice(1);
    while (turns.length > 1 && turns[0]!.role !== 'user') turns = turns.slice(1);
  }
}
