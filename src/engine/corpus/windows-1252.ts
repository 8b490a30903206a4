// Windows-1252 decoding as the WHATWG Encoding Standard defines it. Node's TextDecoder('windows-1252') (and every
// label that maps to it: latin1, iso-8859-1, ascii, ...) decodes bytes 0x80-0x9F as the C1 control characters on
// builds with small ICU, so curly quotes, apostrophes, the euro sign, dashes and the ellipsis would come out as
// controls that the cleanup then strips. This decoder maps those 32 bytes by the standard's table.

/** The code points of bytes 0x80-0x9F (WHATWG index-windows-1252); the 5 unassigned bytes map to their C1 code points, as the standard says. */
const HIGH: readonly number[] = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090,
  0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];
const HIGH_CHARS = HIGH.map((c) => String.fromCharCode(c));
const C1 = /[\u0080-\u009f]/g;

/** Decodes Windows-1252 bytes. A single-byte encoding, so any chunking of the input decodes the same. */
export function decodeWindows1252(bytes: Uint8Array): string {
  // Latin-1 is the identity on code points, so only 0x80-0x9F differ from Windows-1252.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(C1, (c) => HIGH_CHARS[c.charCodeAt(0) - 0x80]!);
}

/** What Grove decodes text with: TextDecoder's interface (streaming included). */
export interface TextDecoderLike {
  readonly encoding: string;
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

class Windows1252Decoder implements TextDecoderLike {
  readonly encoding = 'windows-1252';
  decode(input?: Uint8Array): string {
    return input ? decodeWindows1252(input) : '';
  }
}

/** A decoder for an encoding label, like `new TextDecoder(label)` (which throws a RangeError for an unknown label) but with the WHATWG Windows-1252 table. */
export function textDecoder(label: string): TextDecoderLike {
  const native = new TextDecoder(label);
  return native.encoding === 'windows-1252' ? new Windows1252Decoder() : native;
}
