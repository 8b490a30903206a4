// Reading zip containers (.docx, EPUB) without trusting them. A zip says in its central directory how big each
// part is, and it can lie; a 300 KB file can hold gigabytes of one repeated character. So the directory is read
// first (names and declared sizes, nothing inflated), the parts an extractor asks for must fit a byte budget for
// the whole file by their declared sizes, and each part is then inflated with a hard stop at its declared size:
// memory never holds more than the budget, whatever the archive claims. Nested archives are never opened.
import { inflateRawSync } from 'node:zlib';
import { ExtractSkip } from './types';

/** Below this many expanded bytes any ratio is accepted: so little cannot hurt, and small files of repetitive markup compress hundreds of times. */
export const RATIO_FREE_BYTES = 4 * 1024 ** 2;

export interface ExpansionSettings {
  /** Most bytes the parts of one archive-based file may expand to, whatever its size. */
  maxExpandedBytes: number;
  /** Most bytes they may expand to per byte of the file on disk (past RATIO_FREE_BYTES). */
  maxExpansionRatio: number;
}

/** The byte budget of a file of `fileBytes`: a multiple of its size (at least RATIO_FREE_BYTES), never over the absolute cap. */
export function expansionLimit(fileBytes: number, s: ExpansionSettings): number {
  return Math.min(s.maxExpandedBytes, Math.max(RATIO_FREE_BYTES, fileBytes * s.maxExpansionRatio));
}

interface Entry {
  name: string;
  method: number;
  compressedSize: number;
  size: number; // declared, uncompressed
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

export class ZipArchive {
  private readonly entries = new Map<string, Entry>();
  private used = 0;

  /** Reads the central directory of `bytes`; `limit` is the file's expansion budget (see expansionLimit). */
  constructor(
    private readonly bytes: Uint8Array,
    readonly limit: number,
  ) {
    for (const e of readDirectory(bytes)) if (!this.entries.has(e.name)) this.entries.set(e.name, e);
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Inflates the named parts (missing names are left out). Their declared sizes must fit what is left of the
   * budget before anything is inflated, and a part that inflates past its declared size is stopped there.
   */
  read(names: readonly string[]): Map<string, Uint8Array> {
    const wanted = [...new Set(names)].map((n) => this.entries.get(n)).filter((e): e is Entry => !!e);
    const declared = wanted.reduce((a, e) => a + e.size, 0);
    if (this.used + declared > this.limit) throw bomb(this.bytes.length, this.used + declared, this.limit);
    const out = new Map<string, Uint8Array>();
    for (const e of wanted) {
      const data = this.inflate(e);
      this.used += data.length;
      out.set(e.name, data);
    }
    return out;
  }

  /** One part, or undefined when the archive has no such name. */
  readOne(name: string): Uint8Array | undefined {
    return this.read([name]).get(name);
  }

  private inflate(e: Entry): Uint8Array {
    const b = this.bytes;
    const at = e.localOffset;
    if (at + 30 > b.length || u32(b, at) !== LOCAL) throw damaged(`the part "${e.name}" is not where its directory says`);
    const start = at + 30 + u16(b, at + 26) + u16(b, at + 28);
    const end = start + e.compressedSize;
    if (end > b.length) throw damaged(`the part "${e.name}" runs past the end of the file`);
    const data = b.subarray(start, end);
    if (e.method === STORED) {
      if (e.compressedSize !== e.size) throw lied(e.name, e.size);
      return data;
    }
    if (e.method !== DEFLATED) throw damaged(`the part "${e.name}" uses compression method ${e.method}, which Grove does not read`);
    let out: Uint8Array;
    try {
      // The stop is inside zlib: it gives up as soon as the output passes the declared size, without producing the rest.
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw lied(e.name, e.size);
      throw damaged(`the compressed data of "${e.name}" is damaged`);
    }
    if (out.length > e.size) throw lied(e.name, e.size);
    return out;
  }
}

/** Names in the archive, from its directory alone (nothing inflated); throws a 'corrupt' skip when it is not a readable zip. */
export function zipNames(bytes: Uint8Array): string[] {
  return readDirectory(bytes).map((e) => e.name);
}

function readDirectory(b: Uint8Array): Entry[] {
  const eocd = findEocd(b);
  let count = u16(b, eocd + 10);
  let size = u32(b, eocd + 12);
  let offset = u32(b, eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(b, loc) !== ZIP64_LOCATOR) throw damaged('its zip64 directory is missing');
    const z = u64(b, loc + 8);
    if (z + 56 > b.length || u32(b, z) !== ZIP64_EOCD) throw damaged('its zip64 directory is missing');
    count = u64(b, z + 32);
    size = u64(b, z + 40);
    offset = u64(b, z + 48);
  }
  if (offset + size > b.length) throw damaged('its directory runs past the end of the file');
  const entries: Entry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > b.length || u32(b, p) !== CENTRAL) throw damaged('its directory is truncated');
    const flags = u16(b, p + 8);
    const nameLen = u16(b, p + 28);
    const extraLen = u16(b, p + 30);
    const commentLen = u16(b, p + 32);
    if (p + 46 + nameLen + extraLen > b.length) throw damaged('its directory is truncated');
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(b.subarray(p + 46, p + 46 + nameLen));
    if (flags & 1) throw new ExtractSkip('corrupt', `It is encrypted ("${name}" needs a password); save an unprotected copy.`);
    let sizeU = u32(b, p + 24);
    let sizeC = u32(b, p + 20);
    let local = u32(b, p + 42);
    // Zip64: the 32-bit fields set to 0xFFFFFFFF are given in extra field 0x0001, in this order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = u16(b, x);
      const len = u16(b, x + 2);
      if (id === 0x0001) {
        let f = x + 4;
        const next = (): number => {
          if (f + 8 > x + 4 + len) throw damaged(`the zip64 sizes of "${name}" are truncated`);
          const v = u64(b, f);
          f += 8;
          return v;
        };
        if (sizeU === 0xffffffff) sizeU = next();
        if (sizeC === 0xffffffff) sizeC = next();
        if (local === 0xffffffff) local = next();
      }
      x += 4 + len;
    }
    entries.push({ name, method: u16(b, p + 10), compressedSize: sizeC, size: sizeU, localOffset: local });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function findEocd(b: Uint8Array): number {
  // The end record is 22 bytes plus a comment of up to 65,535.
  for (let p = b.length - 22; p >= Math.max(0, b.length - 22 - 0xffff); p--) if (u32(b, p) === EOCD) return p;
  throw damaged('it has no zip directory');
}

function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

function u64(b: Uint8Array, p: number): number {
  // Above 2^53 nothing fits in memory anyway; such a size is refused by the budget.
  return u32(b, p) + u32(b, p + 4) * 2 ** 32;
}

function mib(n: number): string {
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

function bomb(fileBytes: number, declared: number, limit: number): ExtractSkip {
  return new ExtractSkip(
    'too large',
    `It expands to over ${mib(limit)} (its parts declare ${mib(declared)} from ${mib(fileBytes)} on disk): likely a decompression bomb, so it was not inflated. If it is a genuine document, raise maxExpandedBytes or maxExpansionRatio.`,
  );
}

function lied(name: string, declared: number): ExtractSkip {
  return new ExtractSkip(
    'corrupt',
    `Its zip directory says "${name}" holds ${declared} bytes, but it inflates to more: a damaged archive or one built to hide its size (likely a decompression bomb); it was not read further.`,
  );
}

function damaged(why: string): ExtractSkip {
  return new ExtractSkip('corrupt', `It is not a readable zip container (${why}); re-save or re-export it.`);
}
