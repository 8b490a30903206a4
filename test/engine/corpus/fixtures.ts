// Test fixtures generated on the fly: real PDFs (pdf-lib), .docx and EPUB (fflate zips), emails, and prose that does not repeat.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { zipSync, strToU8 } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';

export async function tempDir(prefix = 'grove-corpus-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const WORDS = (
  'river forest expert branch merge token model weight valley stone light shadow garden winter summer ' +
  'harbor signal lantern meadow quiet ancient silver copper engine paper letter window mountain market ' +
  'orchard violet thunder candle bridge castle whisper journey island compass feather marble velvet'
).split(' ');

/** Deterministic pseudo-random prose: `seed` picks the text, so two seeds give unrelated documents. */
export function prose(words: number, seed: number): string {
  let s = seed * 2654435761 + 1;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x6b43a9b5) >>> 0;
    let w = WORDS[s % WORDS.length]!;
    if (i % 12 === 0) w = w[0]!.toUpperCase() + w.slice(1);
    out.push(w + (i % 12 === 11 ? '.' : ''));
    if (i % 60 === 59) out.push('\n\n');
  }
  return out.join(' ').replace(/ \n\n /g, '\n\n');
}

export async function makePdf(pages: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = doc.addPage([600, 800]);
    text.split('\n').forEach((line, i) => page.drawText(line, { x: 40, y: 760 - i * 16, size: 11, font }));
  }
  return doc.save();
}

/** A scanned-looking PDF: one page that is only an image, no text operators at all. */
export async function makeImageOnlyPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const png = await doc.embedPng(makePng(16, 16));
  doc.addPage([600, 800]).drawImage(png, { x: 0, y: 0, width: 600, height: 800 });
  return doc.save();
}

/** A minimal valid RGB PNG (gradient), written byte by byte. */
export function makePng(w: number, h: number): Uint8Array {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w * 3; x++) raw[y * (w * 3 + 1) + 1 + x] = (x * 7 + y * 13) & 0xff;
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function makeDocx(paragraphs: string[]): Uint8Array {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${xml(p)}</w:t></w:r></w:p>`).join('');
  return zipSync({
    '[Content_Types].xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '_rels/.rels': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    'word/document.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
    ),
  });
}

/** An EPUB whose spine order (b before a) differs from file-name order, so reading order is tested. */
export function makeEpub(chapters: { file: string; title: string; text: string }[], spine: string[]): Uint8Array {
  const files: Record<string, Uint8Array> = {
    mimetype: strToU8('application/epub+zip'),
    'META-INF/container.xml': strToU8(
      '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
    ),
    'OEBPS/content.opf': strToU8(
      `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata/><manifest>${chapters
        .map((c) => `<item id="${c.file}" href="${c.file}" media-type="application/xhtml+xml"/>`)
        .join('')}</manifest><spine>${spine.map((id) => `<itemref idref="${id}"/>`).join('')}</spine></package>`,
    ),
  };
  for (const c of chapters) {
    files[`OEBPS/${c.file}`] = strToU8(
      `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>${xml(c.title)}</title></head><body><h1>${xml(c.title)}</h1><p>${xml(c.text)}</p></body></html>`,
    );
  }
  return zipSync(files);
}

export function makeEml(subject: string, body: string): string {
  return [
    'Return-Path: <alice@example.org>',
    'Received: from mail.example.org by mx.example.com; Mon, 1 Jan 2024 10:00:00 +0000',
    'From: Alice <alice@example.org>',
    'To: Bob <bob@example.com>',
    `Subject: ${subject}`,
    'Date: Mon, 1 Jan 2024 10:00:00 +0000',
    'Message-ID: <abc123@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}
