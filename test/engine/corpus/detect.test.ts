// Sniffing by content: encodings, binary, magic numbers, and types that contradict the extension.
import { describe, expect, it } from 'vitest';
import { sniffBytes, textType } from '../../../src/engine/corpus/detect';

const b = (s: string, enc: BufferEncoding = 'utf8'): Uint8Array => Buffer.from(s, enc);

describe('sniffBytes', () => {
  it('reads BOMs', () => {
    expect(sniffBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), b('hi', 'utf16le')]), true)).toEqual({
      kind: 'text',
      encoding: 'utf-16le',
    });
    expect(sniffBytes(Buffer.from([0xfe, 0xff, 0, 0x68]), true)).toEqual({ kind: 'text', encoding: 'utf-16be' });
    expect(sniffBytes(Buffer.from([0xef, 0xbb, 0xbf, 0x68]), true)).toEqual({ kind: 'text', encoding: 'utf-8' });
  });

  it('finds UTF-16 without a BOM, UTF-8, and falls back to Windows-1252', () => {
    expect(sniffBytes(b('plain ascii words here', 'utf16le'), true)).toEqual({ kind: 'text', encoding: 'utf-16le' });
    expect(sniffBytes(b('naïve café'), true)).toEqual({ kind: 'text', encoding: 'utf-8' });
    expect(sniffBytes(b('naïve café', 'latin1'), true)).toEqual({ kind: 'text', encoding: 'windows-1252' });
  });

  it('accepts a UTF-8 character cut by the head limit, but not at the real end of the file', () => {
    const cut = b('abc é').subarray(0, 5);
    expect(sniffBytes(cut, false)).toEqual({ kind: 'text', encoding: 'utf-8' });
    expect(sniffBytes(cut, true)).toEqual({ kind: 'text', encoding: 'windows-1252' });
  });

  it('calls NUL bytes, control characters and known magic numbers binary', () => {
    expect(sniffBytes(Buffer.from([0x41, 0x00, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48]), true).kind).toBe('binary');
    expect(sniffBytes(Buffer.from(Array.from({ length: 64 }, (_, i) => (i % 3 === 0 ? 2 : 65))), true).kind).toBe('binary');
    expect(sniffBytes(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2]), true)).toMatchObject({
      kind: 'binary',
      detail: expect.stringMatching(/\.docx/),
    });
    expect(sniffBytes(b('junk\n%PDF-1.7\n'), true)).toEqual({ kind: 'pdf' });
    expect(sniffBytes(Buffer.from([0x50, 0x4b, 3, 4, 0]), true)).toEqual({ kind: 'zip' });
  });
});

describe('textType', () => {
  it('trusts content over extension for HTML, email and mbox', () => {
    expect(textType('notes.txt', '<!DOCTYPE html><html><body>x</body></html>').type).toBe('html');
    expect(textType('msg.txt', 'From: a@b.c\nTo: d@e.f\nSubject: hi\n\nbody').type).toBe('email');
    expect(textType('box', 'From alice@example.org Mon Jan  1 10:00:00 2024\nSubject: x\n').type).toBe('mbox');
    expect(textType('paper.pdf', 'just text').type).toBe('text');
  });

  it('uses extensions and well-known names otherwise', () => {
    expect(textType('a/b.md', '# x').type).toBe('markdown');
    expect(textType('x.ts', 'const a = 1;')).toEqual({ type: 'code', language: 'typescript' });
    expect(textType('dir/Makefile', 'all:\n\tcc')).toEqual({ type: 'code', language: 'make' });
    expect(textType('notes.rst', 'Title\n=====')).toEqual({ type: 'rst' });
    expect(textType('x.tsv', 'a\tb')).toEqual({ type: 'tsv' });
    expect(textType('README', 'hello')).toEqual({ type: 'text' });
  });
});
