// The Settings panel's snippet: each language fills in the address, key and model, quoted for its language.
import { describe, expect, it } from 'vitest';
import { openAiSnippet } from '../../../src/renderer/src/lib/openai-snippet';

const url = 'http://127.0.0.1:7420/v1';
const key = 'k3y_-abc';

describe('openAiSnippet', () => {
  it('writes Python and JavaScript for the official openai packages', () => {
    expect(openAiSnippet('python', url, key, 'forest')).toBe(
      [
        'from openai import OpenAI',
        '',
        'client = OpenAI(base_url="http://127.0.0.1:7420/v1", api_key="k3y_-abc")',
        'reply = client.chat.completions.create(',
        '    model="forest",',
        '    messages=[{"role": "user", "content": "Hello, forest"}],',
        ')',
        'print(reply.choices[0].message.content)',
      ].join('\n'),
    );
    const js = openAiSnippet('javascript', url, key, 'law-heavy');
    expect(js).toContain('new OpenAI({ baseURL: "http://127.0.0.1:7420/v1", apiKey: "k3y_-abc" })');
    expect(js).toContain('model: "law-heavy",');
  });

  it('writes curl with every part quoted for the shell', () => {
    expect(openAiSnippet('curl', url, key, "it's")).toBe(
      [
        "curl 'http://127.0.0.1:7420/v1/chat/completions' \\",
        "  -H 'Authorization: Bearer k3y_-abc' \\",
        "  -H 'Content-Type: application/json' \\",
        `  -d '{"model":"it'\\''s","messages":[{"role":"user","content":"Hello, forest"}]}'`,
      ].join('\n'),
    );
  });
});
