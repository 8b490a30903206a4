// Windows-1252 as WHATWG defines it: every one of the 27 characters at 0x80-0x9F survives decoding, ingest and HTML.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { decodeHtml } from '../../../src/engine/corpus/extract/html';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { decodeWindows1252, textDecoder } from '../../../src/engine/corpus/windows-1252';
import { prose, tempDir } from './fixtures';

/** Bytes 0x80-0x9F as a browser shows them, written out by hand (not from the table under test): 27 characters, 5 unassigned bytes kept as C1. */
const EXPECTED = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';
const HIGH_BYTES = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
const PUNCTUATION = [...EXPECTED].filter((c) => c.charCodeAt(0) > 0x9f);

describe('decodeWindows1252', () => {
  it('maps all 27 assigned bytes of 0x80-0x9F to their characters and keeps the rest of Latin-1', () => {
    expect(PUNCTUATION).toHaveLength(27);
    expect(decodeWindows1252(HIGH_BYTES)).toBe(EXPECTED);
    expect(decodeWindows1252(Uint8Array.from([0x41, 0xe9, 0xff, 0xa0]))).toBe('Aéÿ\u00a0');
  });

  it('is what every label Node maps to windows-1252 decodes with, also in chunks', () => {
    for (const label of ['windows-1252', 'cp1252', 'latin1', 'iso-8859-1', 'us-ascii']) {
      const d = textDecoder(label);
      expect(
        d.decode(HIGH_BYTES.subarray(0, 7), { stream: true }) + d.decode(HIGH_BYTES.subarray(7), { stream: true }) + d.decode(),
        label,
      ).toBe(EXPECTED);
    }
    expect(textDecoder('utf-8').decode(Buffer.from('’'))).toBe('’');
    expect(() => textDecoder('no-such-encoding')).toThrow(RangeError);
  });
});

describe('cp1252 text through ingest and HTML', () => {
  let cleanup: () => Promise<void> = async () => undefined;
  afterAll(() => cleanup());

  it("keeps every punctuation character in a cp1252 text file's training text, with no note", async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    const folder = join(t.dir, 'in');
    await mkdir(folder);
    // "It’s “free” … €40 – Ÿ" style text: each of the 27 bytes between words, in a file that is not valid UTF-8.
    const body = Buffer.concat([
      Buffer.from(`${prose(200, 1)}\n`),
      ...[...HIGH_BYTES].filter((b) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(b)).map((b) => Buffer.from([0x77, b, 0x20])),
    ]);
    await writeFile(join(folder, 'letter.txt'), body);
    const out = join(t.dir, 'out');
    const report = await ingestFolder({ folder, out, tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } });
    const f = report.files[0]!;
    expect(f).toMatchObject({ status: 'accepted', encoding: 'windows-1252' });
    expect(f.status === 'accepted' && f.notes).toBeFalsy();
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      splits: Record<string, { files: { file: string }[] }>;
    };
    let text = '';
    for (const split of Object.values(manifest.splits)) {
      for (const s of split.files) {
        const bytes = await readFile(join(out, s.file));
        const ids = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
        text += new ByteTokenizer().decode(ids.filter((id) => id < 256)); // byte tokenizer: ids are UTF-8 bytes, 256 is EOS
      }
    }
    for (const c of PUNCTUATION) expect(text, `U+${c.charCodeAt(0).toString(16)}`).toContain(`w${c}`);
  });

  it('decodes pages declared as windows-1252 or iso-8859-1, and undeclared non-UTF-8 pages, by the same table', () => {
    for (const meta of ['<meta charset="windows-1252">', '<meta charset="iso-8859-1">', '']) {
      const page = Buffer.concat([Buffer.from(`<html><head>${meta}</head><body><p>`), HIGH_BYTES, Buffer.from('</p></body></html>')]);
      expect(decodeHtml(page), meta || 'no charset').toContain(EXPECTED);
    }
  });
});
