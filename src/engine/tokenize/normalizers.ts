// tokenizer.json normalizers (Hugging Face `normalizers`): text -> text before pre-tokenization.
import { asArray, asBoolean, asObject, asPattern, asString, typeOf, unsupportedType } from './json-fields';
import { compilePattern, literalPattern } from './regex';

export type Normalize = (text: string) => string;

const SUPPORTED = ['Sequence', 'Prepend', 'Replace', 'NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'Strip'] as const;

/** Unicode White_Space, as Rust's char::is_whitespace tests it. */
export const WHITE_SPACE = /[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** Rust lowercases char by char (no final-sigma rule), unlike String.prototype.toLowerCase on a whole string. */
function lowercaseByChar(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  let out = '';
  for (const c of text) out += c.toLowerCase();
  return out;
}

function strip(text: string, left: boolean, right: boolean): string {
  const chars = [...text];
  let start = 0;
  let end = chars.length;
  while (left && start < end && WHITE_SPACE.test(chars[start]!)) start++;
  while (right && end > start && WHITE_SPACE.test(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

/** Builds the normalizer described by `spec` (null when the tokenizer has none). */
export function buildNormalizer(spec: unknown, where = 'normalizer'): Normalize | null {
  if (spec === null || spec === undefined) return null;
  const obj = asObject(spec, where);
  const type = typeOf(obj, where);
  switch (type) {
    case 'Sequence': {
      const parts = asArray(obj['normalizers'], `${where}.normalizers`).map((s, i) => buildNormalizer(s, `${where}.normalizers[${i}]`));
      const steps = parts.filter((p): p is Normalize => p !== null);
      return (text) => steps.reduce((t, step) => step(t), text);
    }
    case 'Prepend': {
      const prepend = asString(obj['prepend'], `${where}.prepend`);
      return (text) => (text.length > 0 ? prepend + text : text);
    }
    case 'Replace': {
      const pattern = asPattern(obj['pattern'], `${where}.pattern`);
      const content = asString(obj['content'], `${where}.content`);
      const re = pattern.kind === 'String' ? literalPattern(pattern.source) : compilePattern(pattern.source, `${where}.pattern.Regex`);
      if (pattern.kind === 'String' && pattern.source.length === 0) return (text) => text;
      // A function replacement keeps '$' in `content` literal.
      return (text) => text.replace(re, () => content);
    }
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return (text) => text.normalize(type);
    case 'Lowercase':
      return lowercaseByChar;
    case 'Strip': {
      const left = asBoolean(obj['strip_left'], `${where}.strip_left`, true);
      const right = asBoolean(obj['strip_right'], `${where}.strip_right`, true);
      return (text) => strip(text, left, right);
    }
    default:
      throw unsupportedType('normalizer', where, type, SUPPORTED);
  }
}
