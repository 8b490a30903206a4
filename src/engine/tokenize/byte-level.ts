// GPT-2's byte-to-unicode table: every byte gets a printable character, so byte-level BPE works on strings.

/** bytes_to_unicode() from GPT-2's encoder.py: printable Latin-1 bytes map to themselves, the rest to U+0100 upward. */
function buildByteToChar(): string[] {
  const table: string[] = new Array<string>(256);
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(printable(b) ? b : 256 + next++);
  }
  return table;
}

/** BYTE_TO_CHAR[b] is the character that stands for byte b in a byte-level vocabulary. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Inverse of BYTE_TO_CHAR, keyed by UTF-16 code unit (all 256 characters are below U+0200). */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The 256 characters of the byte-level alphabet, in byte order (the trainer's initial alphabet). */
export function byteLevelAlphabet(): string[] {
  return [...BYTE_TO_CHAR];
}

const utf8 = new TextEncoder();

/** Maps a piece of text to its byte-level form: UTF-8 bytes, each replaced by its stand-in character. */
export function toByteLevel(text: string): string {
  let out = '';
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    // Fast path: one byte per UTF-16 unit, no encoder call.
    for (let i = 0; i < text.length; i++) out += BYTE_TO_CHAR[text.charCodeAt(i)]!;
    return out;
  }
  for (const b of utf8.encode(text)) out += BYTE_TO_CHAR[b]!;
  return out;
}
