// Typed reads of tokenizer.json fields: each failure names the field path and what was found there.
import { GroveError } from '../../shared/api/errors';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value) : typeof value;
}

export function badField(where: string, expected: string, found: unknown): GroveError {
  return new GroveError(
    'bad_input',
    `tokenizer.json field ${where} should be ${expected} but is ${describe(found)}; the file may be damaged or from an unknown format version.`,
    {
      field: where,
    },
  );
}

export function asObject(value: unknown, where: string): JsonObject {
  if (!isObject(value)) throw badField(where, 'an object', value);
  return value;
}

export function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw badField(where, 'a string', value);
  return value;
}

export function asBoolean(value: unknown, where: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw badField(where, 'true or false', value);
  return value;
}

export function asInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw badField(where, 'a non-negative integer', value);
  return value;
}

/**
 * The largest token id Grove accepts. Ids are uint32 in shards and in encode()'s output, and index the
 * id -> token table; 2^24 (16.7 M) is far above any real vocabulary (the largest are about 260 k) and keeps
 * the embedding a model needs for them allocatable, so an id beyond it is a damaged file, not a big model.
 */
export const MAX_TOKEN_ID = 2 ** 24 - 1;

/** A token id: a non-negative integer no larger than MAX_TOKEN_ID (never wrapped, rounded or truncated). */
export function asTokenId(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw badField(where, 'a token id (a non-negative integer)', value);
  if (value > MAX_TOKEN_ID) {
    throw new GroveError(
      'bad_input',
      `tokenizer.json field ${where} is the token id ${value}, above the largest Grove accepts (${MAX_TOKEN_ID}); no real vocabulary is that large, so the file is damaged.`,
      {
        field: where,
        id: value,
      },
    );
  }
  return value;
}

/** JSON nested deeper than any tokenizer file is refused before the recursive readers would overflow the stack. */
export function assertNestingDepth(root: unknown, maxDepth: number, file: string): void {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) {
      throw new GroveError(
        'bad_input',
        `${file} nests objects and arrays more than ${maxDepth} levels deep; no real tokenizer file does, so it is damaged or hostile.`,
        { maxDepth },
      );
    }
    for (const child of Array.isArray(value) ? value : Object.values(value))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}

export function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw badField(where, 'an array', value);
  return value;
}

/** The `type` of a component, or an error naming where it was expected. */
export function typeOf(spec: JsonObject, where: string): string {
  return asString(spec['type'], `${where}.type`);
}

/** The error for a component type Grove does not implement: names the kind, the type found and what works. */
export function unsupportedType(kind: string, where: string, type: string, supported: readonly string[]): GroveError {
  return new GroveError(
    'unsupported',
    `tokenizer.json ${where}: ${kind} type "${type}" is not supported by Grove (supported: ${supported.join(', ')}); Grove loads byte-level BPE (GPT-2, Qwen, SmolLM2, Llama 3) and SentencePiece-style BPE (Llama 2, TinyLlama) tokenizers.`,
    { field: where, kind, type, supported },
  );
}

/** A Split/Replace pattern: {"String": "..."} or {"Regex": "..."}. */
export function asPattern(value: unknown, where: string): { kind: 'String' | 'Regex'; source: string } {
  const spec = asObject(value, where);
  if (typeof spec['String'] === 'string') return { kind: 'String', source: spec['String'] };
  if (typeof spec['Regex'] === 'string') return { kind: 'Regex', source: spec['Regex'] };
  throw badField(where, '{"String": ...} or {"Regex": ...}', value);
}
