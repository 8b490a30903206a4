// Chat templates as transformers renders them: SmolLM2's and Qwen2.5's ChatML, a Llama-style template with
// bos_token and raise_exception; base models continue plain text.
import { describe, expect, it } from 'vitest';
import { promptFor, renderChatTemplate, type ChatMessage } from '../../../src/engine/hub/chat-template';
import { CHATML_TEMPLATE } from './tiny-model';

/** Qwen2.5-Instruct's template without its tools branch (whitespace control as in the original). */
const QWEN25_TEMPLATE = `{%- if messages[0]['role'] == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
{%- else %}
    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant") %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

/** Llama 2 / Mistral style: BOS and EOS from the tokenizer, and a template that refuses a bad turn order. */
const INST_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}";

const conversation: ChatMessage[] = [
  { role: 'user', content: 'What is a forest?' },
  { role: 'assistant', content: 'Many trees.' },
  { role: 'user', content: 'And an expert?' },
];

describe('renderChatTemplate', () => {
  it("renders SmolLM2's ChatML with its default system prompt and the generation prompt", () => {
    expect(renderChatTemplate(CHATML_TEMPLATE, conversation, { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' +
        '<|im_start|>user\nWhat is a forest?<|im_end|>\n<|im_start|>assistant\nMany trees.<|im_end|>\n<|im_start|>user\nAnd an expert?<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
    const withSystem = renderChatTemplate(CHATML_TEMPLATE, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(withSystem).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n');
  });

  it("renders Qwen2.5's template, whitespace control included", () => {
    expect(renderChatTemplate(QWEN25_TEMPLATE, [{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(
      renderChatTemplate(QWEN25_TEMPLATE, [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
      ]),
    ).toBe('<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n');
  });

  it('passes the special tokens, and reports a template that refuses the messages', () => {
    expect(renderChatTemplate(INST_TEMPLATE, conversation, { bosToken: '<s>', eosToken: '</s>' })).toBe(
      '<s>[INST] What is a forest? [/INST]Many trees.</s>[INST] And an expert? [/INST]',
    );
    expect(() => renderChatTemplate(INST_TEMPLATE, [{ role: 'assistant', content: 'x' }])).toThrow(
      /^The model's chat template failed on these messages \(.*Conversation roles must alternate.*\)\. Check the roles and their order/,
    );
    expect(() => renderChatTemplate('{% for m in messages %}', conversation)).toThrow(/^The model's chat template does not parse/);
  });
});

describe('promptFor', () => {
  const tokens = { bos: '<|im_start|>', eos: '<|im_end|>', pad: null, unk: null };
  it('renders a conversation for an instruct model and leaves a base model to continue plain text', () => {
    expect(promptFor({ chatTemplate: QWEN25_TEMPLATE, specialTokens: tokens }, [{ role: 'user', content: 'Hi' }])).toMatch(
      /<\|im_start\|>user\nHi<\|im_end\|>\n<\|im_start\|>assistant\n$/,
    );
    expect(
      promptFor({ chatTemplate: null, specialTokens: tokens }, [
        { role: 'user', content: 'Once upon' },
        { role: 'user', content: 'a time' },
      ]),
    ).toBe('Once upon\n\na time');
    expect(promptFor({ chatTemplate: QWEN25_TEMPLATE, specialTokens: tokens }, 'The forest')).toBe('The forest');
  });
});

describe('hostile chat templates', () => {
  it('a template nested past the stack is a sentence, not "Maximum call stack size exceeded"', () => {
    const nested = `{{ ${'('.repeat(50_000)}1${')'.repeat(50_000)} }}`;
    const nestedIfs = `${'{% if true %}'.repeat(20_000)}x${'{% endif %}'.repeat(20_000)}`;
    for (const template of [nested, nestedIfs]) {
      let caught: unknown;
      try {
        renderChatTemplate(template, [{ role: 'user', content: 'Hi' }]);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).message).toMatch(
        /The model's chat template (does not parse|failed on these messages) \(it nests or recurses too deeply for Grove to run\)/,
      );
    }
  });
});
