// tokenizer.json decoders (HF `decoders`): token strings -> text, each step a `decode_chain` over the token list.
import { CHAR_TO_BYTE } from './byte-level';
import { asArray, asInteger, asObject, asPattern, asString, typeOf, unsupportedType } from './json-fields';
import { compilePattern, literalPattern } from './regex';

export type DecodeChain = (tokens: string[]) => string[];

const SUPPORTED = ['Sequence', 'ByteLevel', 'Metaspace', 'ByteFallback', 'Fuse', 'Strip', 'Replace'] as const;
const lossyUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** Byte-level characters back to bytes; a token with a character outside the table keeps its own UTF-8 bytes. */
function byteLevelDecode(tokens: string[]): string[] {
  const bytes: number[] = [];
  for (const token of tokens) {
    const mapped: number[] = [];
    let ok = true;
    for (const ch of token) {
      const b = CHAR_TO_BYTE.get(ch);
      if (b === undefined) {
        ok = false;
        break;
      }
      mapped.push(b);
    }
    if (ok) bytes.push(...mapped);
    else bytes.push(...utf8.encode(token));
  }
  return [lossyUtf8.decode(new Uint8Array(bytes))];
}

/** Runs of "<0xXX>" tokens become the text they encode, or one U+FFFD per byte token when not valid UTF-8. */
function byteFallbackDecode(tokens: string[]): string[] {
  const out: string[] = [];
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    try {
      out.push(strictUtf8.decode(new Uint8Array(pending)));
    } catch {
      for (let i = 0; i < pending.length; i++) out.push('\ufffd');
    }
    pending = [];
  };
  for (const token of tokens) {
    const m = token.length === 6 ? /^<0x([0-9A-Fa-f]{2})>$/.exec(token) : null;
    if (m) pending.push(parseInt(m[1]!, 16));
    else {
      flush();
      out.push(token);
    }
  }
  flush();
  return out;
}

function stripDecode(content: string, start: number, stop: number): DecodeChain {
  return (tokens) =>
    tokens.map((token) => {
      const chars = [...token];
      let from = 0;
      while (from < start && from < chars.length && chars[from] === content) from++;
      let to = chars.length;
      for (let i = 0; i < stop && to > from && chars[to - 1] === content; i++) to--;
      return chars.slice(from, to).join('');
    });
}

/** Builds the decoder chain described by `spec`; null when the tokenizer has none (tokens are joined with spaces). */
export function buildDecoder(spec: unknown, where = 'decoder'): DecodeChain | null {
  if (spec === null || spec === undefined) return null;
  const obj = asObject(spec, where);
  const type = typeOf(obj, where);
  switch (type) {
    case 'Sequence': {
      const steps = asArray(obj['decoders'], `${where}.decoders`).map((s, i) => buildDecoder(s, `${where}.decoders[${i}]`)!);
      return (tokens) => steps.reduce((t, step) => step(t), tokens);
    }
    case 'ByteLevel':
      return byteLevelDecode;
    case 'ByteFallback':
      return byteFallbackDecode;
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Strip':
      return stripDecode(
        asString(obj['content'], `${where}.content`),
        asInteger(obj['start'], `${where}.start`),
        asInteger(obj['stop'], `${where}.stop`),
      );
    case 'Replace': {
      const pattern = asPattern(obj['pattern'], `${where}.pattern`);
      const content = asString(obj['content'], `${where}.content`);
      const re = pattern.kind === 'String' ? literalPattern(pattern.source) : compilePattern(pattern.source, `${where}.pattern.Regex`);
      return (tokens) => tokens.map((t) => t.replace(re, () => content));
    }
    case 'Metaspace': {
      const replacement = asString(obj['replacement'], `${where}.replacement`);
      const legacyPrefix = obj['add_prefix_space'] !== false;
      const scheme = typeof obj['prepend_scheme'] === 'string' ? obj['prepend_scheme'] : legacyPrefix ? 'always' : 'never';
      // HF drops every replacement character of the first token (not only a leading one) unless the scheme is "never".
      return (tokens) =>
        tokens.map((token, i) => {
          const dropFirst = i === 0 && scheme !== 'never';
          let out = '';
          for (const ch of token) out += ch === replacement ? (dropFirst ? '' : ' ') : ch;
          return out;
        });
    }
    default:
      throw unsupportedType('decoder', where, type, SUPPORTED);
  }
}
