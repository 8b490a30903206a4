// Encodes a corpus one document at a time (never one giant string), optionally framing each with bos/eos.
import { GroveError } from '../../shared/api/errors';
import type { SpecialToken, Tokenizer } from './tokenizer';

export interface DocumentEncodeOptions {
  /** Put the tokenizer's bos id before each document. */
  readonly addBos?: boolean;
  /** Put the tokenizer's eos id after each document (the usual document separator for training). */
  readonly addEos?: boolean;
}

function requireRole(tokenizer: Tokenizer, role: 'bos' | 'eos'): SpecialToken {
  const token = tokenizer.special[role];
  if (!token) {
    throw new GroveError(
      'bad_input',
      `add${role === 'bos' ? 'Bos' : 'Eos'} was asked for, but this tokenizer has no ${role} token; set ${role}_token in tokenizer_config.json or turn the option off.`,
      {
        field: role,
      },
    );
  }
  return token;
}

/** Ids of one document, framed as asked. */
export function encodeDocument(tokenizer: Tokenizer, text: string, options: DocumentEncodeOptions = {}): Uint32Array {
  const bos = options.addBos ? requireRole(tokenizer, 'bos').id : -1;
  const eos = options.addEos ? requireRole(tokenizer, 'eos').id : -1;
  const ids = tokenizer.encode(text);
  if (bos < 0 && eos < 0) return ids;
  const framed = new Uint32Array(ids.length + (bos >= 0 ? 1 : 0) + (eos >= 0 ? 1 : 0));
  let at = 0;
  if (bos >= 0) framed[at++] = bos;
  framed.set(ids, at);
  if (eos >= 0) framed[at + ids.length] = eos;
  return framed;
}

/** Yields each document's ids in order; documents are pulled one at a time, so memory stays one document deep. */
export async function* encodeDocuments(
  tokenizer: Tokenizer,
  documents: Iterable<string> | AsyncIterable<string>,
  options: DocumentEncodeOptions = {},
): AsyncGenerator<Uint32Array> {
  // Check the roles before the first document, so a bad option fails fast rather than mid-corpus.
  if (options.addBos) requireRole(tokenizer, 'bos');
  if (options.addEos) requireRole(tokenizer, 'eos');
  for await (const doc of documents) yield encodeDocument(tokenizer, doc, options);
}
