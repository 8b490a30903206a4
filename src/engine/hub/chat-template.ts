// Chat prompts: an instruct model's Jinja chat template rendered with @huggingface/jinja as transformers'
// apply_chat_template does (messages, add_generation_prompt, the special tokens); base models get plain text.
import { Template } from '@huggingface/jinja';
import { GroveError } from '../../shared/api/errors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

export interface ChatTemplateOptions {
  /** End with the assistant's turn header, so the model writes the answer (true for generation). */
  addGenerationPrompt?: boolean;
  bosToken?: string | null;
  eosToken?: string | null;
  padToken?: string | null;
  unkToken?: string | null;
  /** Further template variables (e.g. `enable_thinking`, `tools`). */
  variables?: Record<string, unknown>;
}

const compiled = new Map<string, Template>();

/** The template engine's own words about the template, except an engine limit (a stack overflow), said plainly. */
function reason(err: unknown): string {
  if (err instanceof RangeError) return 'it nests or recurses too deeply for Grove to run';
  return err instanceof Error ? err.message.slice(0, 300) : String(err);
}

function compile(template: string): Template {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (err) {
      throw new GroveError(
        'bad_input',
        `The model's chat template does not parse (${reason(err)}). Fix chat_template in tokenizer_config.json, or use the model as a base model.`,
      );
    }
    if (compiled.size > 16) compiled.clear();
    compiled.set(template, t);
  }
  return t;
}

/**
 * Renders `messages` with a Hugging Face chat template. The text already holds the template's special
 * tokens (a Llama 3 template writes its own <|begin_of_text|>): encode it without adding a BOS again.
 */
export function renderChatTemplate(template: string, messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
  const t = compile(template);
  try {
    return t.render({
      ...options.variables,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: options.addGenerationPrompt ?? false,
      bos_token: options.bosToken ?? '',
      eos_token: options.eosToken ?? '',
      pad_token: options.padToken ?? '',
      unk_token: options.unkToken ?? '',
    });
  } catch (err) {
    throw new GroveError(
      'bad_input',
      `The model's chat template failed on these messages (${reason(err)}). Check the roles and their order (some templates require user/assistant turns to alternate).`,
    );
  }
}

export interface PromptSource {
  chatTemplate: string | null;
  specialTokens: { bos: string | null; eos: string | null; pad: string | null; unk: string | null };
}

/**
 * The text to give a model: with a chat template, the conversation rendered with the assistant's turn opened;
 * a base model (no template) continues plain text, so the messages' contents are joined as they are.
 */
export function promptFor(model: PromptSource, input: string | readonly ChatMessage[]): string {
  if (typeof input === 'string') return input;
  if (model.chatTemplate === null) return input.map((m) => m.content).join('\n\n');
  const { bos, eos, pad, unk } = model.specialTokens;
  return renderChatTemplate(model.chatTemplate, input, {
    addGenerationPrompt: true,
    bosToken: bos,
    eosToken: eos,
    padToken: pad,
    unkToken: unk,
  });
}
