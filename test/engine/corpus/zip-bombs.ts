// Decompression bombs built byte by byte, without ever holding what they inflate to: a deflate block of 1 MiB of one
// character is repeated (the block is self-contained, so copies chain), and the zip around it is written by hand so
// its directory can declare the true sizes or lie about them.
import { constants, crc32, deflateRawSync } from 'node:zlib';

const MIB = 1024 * 1024;

export interface RawEntry {
  name: string;
  /** Compressed bytes (deflate) or stored bytes. */
  data: Uint8Array;
  method: 0 | 8;
  crc: number;
  /** Declared uncompressed size (the truth, unless a test wants a lie). */
  size: number;
}

/** A deflated part from its text. */
export function deflated(name: string, text: string): RawEntry {
  const raw = Buffer.from(text);
  return { name, data: deflateRawSync(raw), method: 8, crc: crc32(raw), size: raw.length };
}

/** A part that inflates to `prefix`, then `mib` MiB of `char`, then `suffix`, from a few hundred KB. */
export function bombPart(name: string, mib: number, prefix = '', suffix = '', char = 'a'): RawEntry {
  const block = Buffer.alloc(MIB, char);
  const sync = { finishFlush: constants.Z_SYNC_FLUSH };
  const head = deflateRawSync(Buffer.from(prefix), sync);
  const body = deflateRawSync(block, sync);
  const tail = deflateRawSync(Buffer.from(suffix)); // the final block
  const chunks: Buffer[] = [head];
  // The checksum of a big bomb is left 0: Grove refuses it before inflating it whole, so nothing ever checks it.
  const checked = mib <= 16;
  let crc = crc32(Buffer.from(prefix));
  for (let i = 0; i < mib; i++) {
    chunks.push(body);
    if (checked) crc = crc32(block, crc);
  }
  chunks.push(tail);
  crc = checked ? crc32(Buffer.from(suffix), crc) : 0;
  return { name, data: Buffer.concat(chunks), method: 8, crc, size: Buffer.byteLength(prefix) + mib * MIB + Buffer.byteLength(suffix) };
}

/** A zip file of the given parts, local headers then the central directory, as any zip writer lays it out. */
export function rawZip(entries: RawEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data));
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
const RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
export const DOC_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>';
export const DOC_TAIL = '</w:t></w:r></w:p></w:body></w:document>';

/** A .docx whose word/document.xml is one run of `mib` MiB of one character; `declare` replaces its declared size (a lie). */
export function docxBomb(mib: number, declare?: number): Uint8Array {
  const doc = bombPart('word/document.xml', mib, DOC_HEAD, DOC_TAIL);
  return rawZip([deflated('[Content_Types].xml', CONTENT_TYPES), deflated('_rels/.rels', RELS), { ...doc, size: declare ?? doc.size }]);
}

/** A .docx with ordinary text plus extra parts (media, embedded files) as given. */
export function docxWith(text: string, extra: RawEntry[] = []): Uint8Array {
  return rawZip([
    deflated('[Content_Types].xml', CONTENT_TYPES),
    deflated('_rels/.rels', RELS),
    deflated('word/document.xml', `${DOC_HEAD}${text}${DOC_TAIL}`),
    ...extra,
  ]);
}

/** An EPUB whose one chapter holds `mib` MiB of one character. */
export function epubBomb(mib: number): Uint8Array {
  return rawZip([
    { ...deflated('mimetype', 'application/epub+zip'), method: 8 },
    deflated(
      'META-INF/container.xml',
      '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
    ),
    deflated(
      'OEBPS/content.opf',
      '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata/><manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c1"/></spine></package>',
    ),
    bombPart('OEBPS/c1.xhtml', mib, '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>', '</p></body></html>'),
  ]);
}
