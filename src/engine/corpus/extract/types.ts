// The contract every format extractor follows: a source to read from, text chunks out, skips as typed errors.
import type { TextStyle } from '../normalize';
import type { DocType, SkipReason } from '../types';

export interface ExtractSource {
  path: string; // relative to the dropped folder
  size: number;
  /** The file as decoded text, in chunks of any size (text formats; memory stays bounded). */
  text(): AsyncIterable<string>;
  /** The whole file (formats that must be parsed whole: PDF, .docx, EPUB, HTML, JSON, .eml). */
  bytes(): Promise<Uint8Array>;
  /** Most bytes an archive-based file may inflate to (zip/expansionLimit): past it, a likely decompression bomb. */
  maxExpandedBytes: number;
  /** Says how the text was got when it was not the usual way (a fallback); it goes in the report beside the file. */
  note(text: string): void;
}

export interface Extractor {
  types: readonly DocType[];
  style: TextStyle;
  /** Whether the format is parsed whole, in memory (then maxWholeFileBytes applies). */
  whole: boolean;
  /** Yields raw text; the caller normalises it. Throws ExtractSkip when the file holds no usable text. */
  extract(source: ExtractSource, type: DocType): AsyncIterable<string>;
}

/** A file that cannot give text, for a reason a person can act on. */
export class ExtractSkip extends Error {
  constructor(
    readonly reason: SkipReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Turns a parser's exception into a 'corrupt' skip that keeps the parser's own words. */
export function corrupt(format: string, err: unknown): ExtractSkip {
  const why = err instanceof Error ? err.message : String(err);
  return new ExtractSkip('corrupt', `Cannot be parsed as ${format} (${why.slice(0, 200)}); re-save or re-export it.`);
}
