// The zip reader against bombs: refused by declared size before inflating, stopped at the declared size when the
// directory lies, legitimate high-ratio parts read, nested archives never opened; memory stays bounded throughout.
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ExtractSkip } from '../../../../src/engine/corpus/extract/types';
import { RATIO_FREE_BYTES, ZipArchive, expansionLimit, zipNames } from '../../../../src/engine/corpus/extract/zip';
import { bombPart, deflated, rawZip } from '../zip-bombs';

const MIB = 1024 * 1024;

/** Peak resident memory of this process so far (the OS's high-water mark), in bytes. */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

function skipOf(fn: () => unknown): ExtractSkip {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExtractSkip) return err;
    throw err;
  }
  throw new Error('expected an ExtractSkip');
}

describe('expansionLimit', () => {
  const s = { maxExpandedBytes: 16 * MIB, maxExpansionRatio: 100 };
  it('is a multiple of the file size, at least the ratio-free floor and at most the absolute cap', () => {
    expect(expansionLimit(10_000, s)).toBe(RATIO_FREE_BYTES);
    expect(expansionLimit(100_000, s)).toBe(10_000_000);
    expect(expansionLimit(50 * MIB, s)).toBe(16 * MIB);
  });
});

describe('ZipArchive', () => {
  it('lists names and reads parts of an ordinary zip', () => {
    const bytes = zipSync({ 'a.xml': strToU8('<a>hello</a>'), 'media/b.bin': new Uint8Array(1000) });
    const zip = new ZipArchive(bytes, MIB);
    expect(zip.names.sort()).toEqual(['a.xml', 'media/b.bin']);
    expect(new TextDecoder().decode(zip.readOne('a.xml'))).toBe('<a>hello</a>');
    expect(zip.readOne('missing.xml')).toBeUndefined();
    expect(zipNames(bytes)).toHaveLength(2);
  });

  it('refuses a 1 GiB bomb by its declared size, without inflating it', () => {
    const bytes = rawZip([bombPart('word/document.xml', 1024)]);
    expect(bytes.length).toBeLessThan(1.1 * MIB);
    const before = peakRss();
    const skip = skipOf(() =>
      new ZipArchive(bytes, expansionLimit(bytes.length, { maxExpandedBytes: 16 * MIB, maxExpansionRatio: 100 })).read([
        'word/document.xml',
      ]),
    );
    expect(skip.reason).toBe('too large');
    expect(skip.detail).toMatch(
      /expands to over 16\.0 MiB \(its parts declare 1024\.0 MiB from 1\.0 MiB on disk\): likely a decompression bomb/,
    );
    expect(peakRss() - before).toBeLessThan(64 * MIB);
  });

  it('stops a part whose directory declares a small size at that size', () => {
    const honest = bombPart('word/document.xml', 512);
    const bytes = rawZip([{ ...honest, size: 4096 }]);
    const before = peakRss();
    const skip = skipOf(() => new ZipArchive(bytes, 100 * MIB).read(['word/document.xml']));
    expect(skip.reason).toBe('corrupt');
    expect(skip.detail).toMatch(/says "word\/document.xml" holds 4096 bytes, but it inflates to more.*likely a decompression bomb/);
    expect(peakRss() - before).toBeLessThan(64 * MIB);
  });

  it('counts every part read against one budget for the file', () => {
    const bytes = rawZip([bombPart('a.xml', 6), bombPart('b.xml', 6)]);
    const zip = new ZipArchive(bytes, 10 * MIB);
    expect(zip.readOne('a.xml')!.length).toBe(6 * MIB);
    expect(skipOf(() => zip.readOne('b.xml')).reason).toBe('too large');
  });

  it('reads a legitimately small part whatever its ratio', () => {
    const part = bombPart('doc.xml', 3, '<p>', '</p>');
    const bytes = rawZip([part]);
    expect(part.size / bytes.length).toBeGreaterThan(500);
    const limit = expansionLimit(bytes.length, { maxExpandedBytes: 16 * MIB, maxExpansionRatio: 100 });
    expect(new ZipArchive(bytes, limit).readOne('doc.xml')!.length).toBe(3 * MIB + 7);
  });

  it('never opens a nested archive: a bomb inside is only bytes', () => {
    const inner = rawZip([bombPart('inner.txt', 1024)]);
    const outer = rawZip([
      deflated('doc.xml', '<p>outer</p>'),
      { name: 'embedded/inner.zip', data: inner, method: 0, crc: 0, size: inner.length },
    ]);
    const zip = new ZipArchive(outer, 16 * MIB);
    expect(zip.readOne('embedded/inner.zip')!.length).toBe(inner.length);
    expect(new TextDecoder().decode(zip.readOne('doc.xml'))).toBe('<p>outer</p>');
  });

  it('says what is wrong with a damaged or unsupported zip', () => {
    expect(skipOf(() => new ZipArchive(new Uint8Array(100), MIB)).detail).toMatch(/no zip directory/);
    const ok = rawZip([deflated('a.xml', '<a/>')]);
    expect(skipOf(() => new ZipArchive(ok.subarray(10), MIB).read(['a.xml'])).reason).toBe('corrupt');
    const stored = rawZip([{ name: 's.xml', data: new Uint8Array(10), method: 0, crc: 0, size: 5 }]);
    expect(skipOf(() => new ZipArchive(stored, MIB).read(['s.xml'])).detail).toMatch(/holds 5 bytes/);
    const bzip = rawZip([{ ...deflated('x.xml', 'x'), method: 12 as 8 }]);
    expect(skipOf(() => new ZipArchive(bzip, MIB).read(['x.xml'])).detail).toMatch(/compression method 12/);
    const garbage = rawZip([{ name: 'g.xml', data: new Uint8Array([0xff, 0xff, 0xff]), method: 8, crc: 0, size: 10 }]);
    expect(skipOf(() => new ZipArchive(garbage, MIB).read(['g.xml'])).detail).toBe(
      'It is not a readable zip container (the compressed data of "g.xml" is damaged); re-save or re-export it.',
    );
  });
});
