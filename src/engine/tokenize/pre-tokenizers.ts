// tokenizer.json pre-tokenizers (Hugging Face `pre_tokenizers`): split normalized text into words for the model.
import { GroveError } from '../../shared/api/errors';
import { asArray, asBoolean, asObject, asPattern, asString, typeOf, unsupportedType } from './json-fields';
import type { JsonObject } from './json-fields';
import { compilePattern, GPT2_PATTERN, literalPattern } from './regex';

/** Receives one word; `atStart` is true when the word begins at offset 0 of the original text (Metaspace "first"). */
export type Emit = (word: string, atStart: boolean) => void;
type Step = (text: string, atStart: boolean, emit: Emit) => void;

export interface PreTokenizer {
  /** Splits `text` into words, in order; empty words are never emitted. */
  run(text: string, atStart: boolean, emit: Emit): void;
  /** True when the words still have to be mapped to byte-level characters (a ByteLevel step ends the chain). */
  readonly byteLevel: boolean;
}

const SUPPORTED = ['Sequence', 'ByteLevel', 'Split', 'Digits', 'Metaspace'] as const;
type Behavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';
const BEHAVIORS: readonly Behavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** Spans covering `text`: the pattern's matches and the gaps between them (HF `Pattern::find_matches`). */
function findMatches(text: string, re: RegExp): Array<[number, number, boolean]> {
  const spans: Array<[number, number, boolean]> = [];
  let prev = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) re.lastIndex += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
    if (prev !== start) spans.push([prev, start, false]);
    spans.push([start, end, true]);
    prev = end;
  }
  if (prev !== text.length) spans.push([prev, text.length, false]);
  return spans;
}

/** Applies a split behavior to the spans (HF `NormalizedString::split`); returns [start, end, removed]. */
function applyBehavior(spans: Array<[number, number, boolean]>, behavior: Behavior): Array<[number, number, boolean]> {
  if (behavior === 'Removed') return spans;
  if (behavior === 'Isolated') return spans.map(([s, e]) => [s, e, false]);
  const out: Array<[number, number, boolean]> = [];
  let previousMatch = false;
  if (behavior === 'MergedWithNext') {
    for (let i = spans.length - 1; i >= 0; i--) {
      const [s, e, isMatch] = spans[i]!;
      const last = out[out.length - 1];
      if (isMatch && !previousMatch && last) last[0] = s;
      else out.push([s, e, false]);
      previousMatch = isMatch;
    }
    return out.reverse();
  }
  for (const [s, e, isMatch] of spans) {
    const last = out[out.length - 1];
    const merge = behavior === 'Contiguous' ? isMatch === previousMatch : isMatch && !previousMatch;
    if (merge && last) last[1] = e;
    else out.push([s, e, false]);
    previousMatch = isMatch;
  }
  return out;
}

function splitStep(re: RegExp, behavior: Behavior, invert: boolean): Step {
  if (behavior === 'Isolated' && !invert) {
    // Hot path (every GPT-2 style tokenizer): emit gaps and matches straight from the regex loop.
    return (text, atStart, emit) => {
      let prev = 0;
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const start = m.index;
        if (m[0].length === 0) {
          re.lastIndex += (text.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
          continue;
        }
        if (prev !== start) emit(text.slice(prev, start), atStart && prev === 0);
        emit(m[0], atStart && start === 0);
        prev = start + m[0].length;
      }
      if (prev !== text.length) emit(prev === 0 ? text : text.slice(prev), atStart && prev === 0);
    };
  }
  return (text, atStart, emit) => {
    let spans = findMatches(text, re);
    if (invert) spans = spans.map(([s, e, m]) => [s, e, !m]);
    for (const [s, e, removed] of applyBehavior(spans, behavior)) {
      if (!removed && e > s) emit(text.slice(s, e), atStart && s === 0);
    }
  };
}

function byteLevelStep(spec: JsonObject, where: string): Step {
  const addPrefixSpace = asBoolean(spec['add_prefix_space'], `${where}.add_prefix_space`, true);
  const useRegex = asBoolean(spec['use_regex'], `${where}.use_regex`, true);
  const split = useRegex ? splitStep(compilePattern(GPT2_PATTERN), 'Isolated', false) : null;
  return (text, atStart, emit) => {
    // HF adds the space to every piece that reaches this step, not only the first one.
    const spaced = addPrefixSpace && !text.startsWith(' ') ? ` ${text}` : text;
    if (split) split(spaced, atStart, emit);
    else emit(spaced, atStart);
  };
}

function metaspaceStep(spec: JsonObject, where: string): Step {
  const replacement = asString(spec['replacement'], `${where}.replacement`);
  const legacyPrefix = asBoolean(spec['add_prefix_space'], `${where}.add_prefix_space`, true);
  const scheme =
    spec['prepend_scheme'] === undefined
      ? legacyPrefix
        ? 'always'
        : 'never'
      : asString(spec['prepend_scheme'], `${where}.prepend_scheme`);
  if (scheme !== 'always' && scheme !== 'first' && scheme !== 'never')
    throw unsupportedType('Metaspace prepend_scheme', `${where}.prepend_scheme`, scheme, ['always', 'first', 'never']);
  const doSplit = asBoolean(spec['split'], `${where}.split`, true);
  const splitOnReplacement = splitStep(literalPattern(replacement), 'MergedWithNext', false);
  return (text, atStart, emit) => {
    let replaced = text.replaceAll(' ', replacement);
    const prepend = scheme === 'always' || (scheme === 'first' && atStart);
    if (prepend && !replaced.startsWith(replacement)) replaced = replacement + replaced;
    if (doSplit) splitOnReplacement(replaced, atStart, emit);
    else emit(replaced, atStart);
  };
}

function asBehavior(value: unknown, where: string): Behavior {
  const b = asString(value, where);
  if (!(BEHAVIORS as readonly string[]).includes(b)) throw unsupportedType('split behavior', where, b, BEHAVIORS);
  return b as Behavior;
}

/** Flattens the spec into steps; `state.byteLevel` records that a ByteLevel step was seen (it must be last). */
function collectSteps(spec: unknown, where: string, steps: Step[], state: { byteLevel: boolean }): void {
  const obj = asObject(spec, where);
  const type = typeOf(obj, where);
  if (state.byteLevel) {
    throw new GroveError(
      'unsupported',
      `tokenizer.json ${where}: pre-tokenizer "${type}" comes after ByteLevel; Grove supports ByteLevel only as the last pre-tokenizer.`,
      { field: where, type },
    );
  }
  switch (type) {
    case 'Sequence':
      asArray(obj['pretokenizers'], `${where}.pretokenizers`).forEach((s, i) =>
        collectSteps(s, `${where}.pretokenizers[${i}]`, steps, state),
      );
      return;
    case 'ByteLevel':
      steps.push(byteLevelStep(obj, where));
      state.byteLevel = true;
      return;
    case 'Split': {
      const pattern = asPattern(obj['pattern'], `${where}.pattern`);
      const re = pattern.kind === 'String' ? literalPattern(pattern.source) : compilePattern(pattern.source, `${where}.pattern.Regex`);
      steps.push(splitStep(re, asBehavior(obj['behavior'], `${where}.behavior`), asBoolean(obj['invert'], `${where}.invert`, false)));
      return;
    }
    case 'Digits': {
      const individual = asBoolean(obj['individual_digits'], `${where}.individual_digits`, false);
      // Rust's char::is_numeric is the Unicode N category, tested one character at a time.
      steps.push(splitStep(/\p{N}/gu, individual ? 'Isolated' : 'Contiguous', false));
      return;
    }
    case 'Metaspace':
      steps.push(metaspaceStep(obj, where));
      return;
    default:
      throw unsupportedType('pre-tokenizer', where, type, SUPPORTED);
  }
}

/** Builds the pre-tokenizer described by `spec`; with none, each text segment is one word. */
export function buildPreTokenizer(spec: unknown, where = 'pre_tokenizer'): PreTokenizer {
  const steps: Step[] = [];
  const state = { byteLevel: false };
  if (spec !== null && spec !== undefined) collectSteps(spec, where, steps, state);
  // Compose right to left: each step emits into the next one, the last into the caller's emit.
  const run = steps.reduceRight<(text: string, atStart: boolean, emit: Emit) => void>(
    (next, step) => (text, atStart, emit) => step(text, atStart, (word, start) => next(word, start, emit)),
    (text, atStart, emit) => {
      if (text.length > 0) emit(text, atStart);
    },
  );
  return { run, byteLevel: state.byteLevel };
}
