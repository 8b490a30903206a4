// Rewrites the Oniguruma patterns found in tokenizer.json (Rust `onig`) as JavaScript RegExps with the u flag.
import { GroveError } from '../../shared/api/errors';
import { assertLinearPattern, UnsafePattern } from './regex-safety';

/** Oniguruma's \s in UTF-8 is Unicode White_Space; JavaScript's \s differs (adds U+FEFF, lacks U+0085). */
const WHITESPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
/** Oniguruma's Unicode \d and \w; JavaScript's are ASCII-only even with the u flag. */
const DIGIT = '\\p{Nd}';
const WORD = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';

/** GPT-2's pre-tokenization pattern, as the ByteLevel pre-tokenizer uses it when use_regex is true. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Characters that must stay escaped in a u-flag RegExp; other escaped punctuation is a syntax error there. */
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/-']);

function unsupported(pattern: string, what: string): GroveError {
  return new GroveError(
    'unsupported',
    `Regex pattern ${JSON.stringify(pattern)} uses ${what}, which Grove cannot run; use a tokenizer whose Split patterns avoid it.`,
    {
      pattern,
    },
  );
}

/** Translates one Oniguruma pattern into JavaScript RegExp source (to be compiled with the 'gu' flags). */
export function translatePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  let caseless = 0; // depth of open (?i: groups, counted in parentheses
  const depthStack: boolean[] = []; // for each open '(', whether it opened a (?i: group
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) throw unsupported(pattern, 'a trailing backslash');
      i++;
      if (e === 's') out += inClass ? WHITESPACE : `[${WHITESPACE}]`;
      else if (e === 'S') {
        if (inClass) throw unsupported(pattern, '\\S inside a character class');
        out += `[^${WHITESPACE}]`;
      } else if (e === 'd') out += inClass ? DIGIT : `[${DIGIT}]`;
      else if (e === 'w') out += inClass ? WORD : `[${WORD}]`;
      else if (e === 'p' || e === 'P') {
        const close = pattern.indexOf('}', i);
        if (pattern[i + 1] !== '{' || close < 0) throw unsupported(pattern, 'a \\p escape without braces');
        out += `\\${e}${pattern.slice(i + 1, close + 1)}`;
        i = close;
      } else if (/[A-Za-z0-9]/.test(e)) out += `\\${e}`;
      else out += SYNTAX.has(e) && (e !== '-' || inClass) ? `\\${e}` : e;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      if (caseless > 0) throw unsupported(pattern, 'a character class inside (?i:...)');
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += `\\${pattern[++i]}`; // a leading ']' is a literal in Oniguruma
      continue;
    }
    if (c === '(') {
      if (pattern.startsWith('(?i:', i)) {
        depthStack.push(true);
        caseless++;
        out += '(?:';
        i += 3;
        continue;
      }
      if (pattern.startsWith('(?>', i)) throw unsupported(pattern, 'an atomic group (?>...)');
      depthStack.push(false);
      out += c;
      continue;
    }
    if (c === ')') {
      if (depthStack.pop()) caseless--;
      out += c;
      continue;
    }
    if ((c === '+' || c === '*' || c === '?' || c === '}') && pattern[i + 1] === '+') throw unsupported(pattern, 'a possessive quantifier');
    if (caseless > 0 && c.toLowerCase() !== c.toUpperCase()) {
      out += `[${c.toLowerCase()}${c.toUpperCase()}]`;
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Compiles an Oniguruma pattern for global matching; errors name the field (`where`) and the pattern. A pattern
 * that can backtrack catastrophically is refused here, at load, because one exec() of it cannot be stopped.
 */
export function compilePattern(pattern: string, where = 'pattern'): RegExp {
  let source: string;
  try {
    source = translatePattern(pattern);
    assertLinearPattern(source);
  } catch (err) {
    if (err instanceof UnsafePattern && !err.slow) {
      throw new GroveError(
        'unsupported',
        `tokenizer.json ${where}: the regex ${JSON.stringify(pattern)} ${err.message}; fix the pattern or use the tokenizer's published tokenizer.json.`,
        {
          field: where,
          pattern,
        },
      );
    }
    if (err instanceof UnsafePattern) {
      throw new GroveError(
        'unsupported',
        `tokenizer.json ${where}: the regex ${JSON.stringify(pattern)} ${err.message}; on some text it would run for hours and could not be cancelled, so Grove refuses it. Use the tokenizer's published tokenizer.json, or a pattern without nested or ambiguous repeats.`,
        { field: where, pattern },
      );
    }
    throw withField(err, where);
  }
  try {
    return new RegExp(source, 'gu');
  } catch {
    // The engine's own message names the translated source, not what the file says: say it in the file's terms.
    throw new GroveError(
      'unsupported',
      `tokenizer.json ${where}: the regex ${JSON.stringify(pattern)} is not one JavaScript can run (its syntax differs from Oniguruma's); use a tokenizer whose patterns avoid it.`,
      {
        field: where,
        pattern,
      },
    );
  }
}

function withField(err: unknown, where: string): unknown {
  if (!(err instanceof GroveError)) return err;
  return new GroveError(err.code, `tokenizer.json ${where}: ${err.message}`, { ...(err.details as object), field: where });
}

/** A RegExp that matches a literal string. */
export function literalPattern(text: string): RegExp {
  return new RegExp(text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'), 'gu');
}
