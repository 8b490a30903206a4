// JSON and JSON Lines: the text fields (string values that read as language), not keys, ids, numbers or URLs.
import { ExtractSkip, corrupt, type Extractor } from './types';

/** A string is text when it has at least three words with letters in them: sentences, messages, descriptions. */
export function isTextValue(s: string): boolean {
  if (s.length < 12 || /^(https?|file|data):/i.test(s)) return false;
  let words = 0;
  for (const w of s.split(/\s+/)) if (/\p{L}{2,}/u.test(w) && ++words >= 3) return true;
  return false;
}

/** Every text field of a parsed value, depth first, in document order. */
export function* textFields(value: unknown): Generator<string> {
  if (typeof value === 'string') {
    if (isTextValue(value)) yield value;
  } else if (Array.isArray(value)) {
    for (const v of value) yield* textFields(v);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) yield* textFields(v);
  }
}

export const json: Extractor = {
  types: ['json'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    let text = '';
    for await (const chunk of source.text()) text += chunk;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw corrupt('JSON', err);
    }
    for (const field of textFields(value)) yield `${field}\n\n`;
  },
};

export const jsonl: Extractor = {
  types: ['jsonl'],
  style: 'prose',
  whole: false,
  async *extract(source) {
    let carry = '';
    let good = 0;
    let bad = 0;
    const line = function* (l: string): Generator<string> {
      if (!l.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(l);
      } catch {
        bad++;
        return;
      }
      good++;
      for (const field of textFields(value)) yield `${field}\n\n`;
    };
    for await (const chunk of source.text()) {
      const lines = (carry + chunk).split('\n');
      carry = lines.pop() ?? '';
      for (const l of lines) yield* line(l);
    }
    yield* line(carry);
    if (good === 0 && bad > 0)
      throw new ExtractSkip('corrupt', `None of its ${bad} line(s) is valid JSON; check that it is JSON Lines (one object per line).`);
  },
};
