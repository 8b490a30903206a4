// The copyable snippet of the Settings panel's OpenAI-compatible endpoint: a first chat with the forest from
// Python, JavaScript (the official `openai` packages) or curl, with the address, key and model filled in.
export const SNIPPET_LANGUAGES = [
  { value: 'python', label: 'Python (openai)' },
  { value: 'javascript', label: 'JavaScript (openai)' },
  { value: 'curl', label: 'curl' },
] as const;

export type SnippetLanguage = (typeof SNIPPET_LANGUAGES)[number]['value'];

const GREETING = 'Hello, forest';

/** Single-quoted for a POSIX shell: every ' closed, escaped and reopened. */
const shellQuoted = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

export function openAiSnippet(language: SnippetLanguage, url: string, key: string, model: string): string {
  const q = JSON.stringify;
  if (language === 'python') {
    return [
      'from openai import OpenAI',
      '',
      `client = OpenAI(base_url=${q(url)}, api_key=${q(key)})`,
      'reply = client.chat.completions.create(',
      `    model=${q(model)},`,
      `    messages=[{"role": "user", "content": ${q(GREETING)}}],`,
      ')',
      'print(reply.choices[0].message.content)',
    ].join('\n');
  }
  if (language === 'javascript') {
    return [
      "import OpenAI from 'openai';",
      '',
      `const client = new OpenAI({ baseURL: ${q(url)}, apiKey: ${q(key)} });`,
      'const reply = await client.chat.completions.create({',
      `  model: ${q(model)},`,
      `  messages: [{ role: 'user', content: ${q(GREETING)} }],`,
      '});',
      'console.log(reply.choices[0].message.content);',
    ].join('\n');
  }
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: GREETING }] });
  return [
    `curl ${shellQuoted(`${url}/chat/completions`)} \\`,
    `  -H ${shellQuoted(`Authorization: Bearer ${key}`)} \\`,
    "  -H 'Content-Type: application/json' \\",
    `  -d ${shellQuoted(body)}`,
  ].join('\n');
}
