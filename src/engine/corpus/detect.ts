// Content sniffing: binary vs text, text encoding (BOM, UTF-8, UTF-16 without BOM, Windows-1252 fallback), and the document type.
import { extname, basename } from 'node:path';
import type { DocType } from './types';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export type Sniff = { kind: 'text'; encoding: TextEncoding } | { kind: 'pdf' } | { kind: 'zip' } | { kind: 'binary'; detail: string };

/** How many leading bytes the sniffer looks at. */
export const HEAD_BYTES = 64 * 1024;

const MAGIC: { bytes: number[]; detail: string }[] = [
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], detail: 'a legacy Office file (.doc/.xls/.ppt); save it as .docx or text' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], detail: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], detail: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], detail: 'a GIF image' },
  { bytes: [0x1f, 0x8b], detail: 'a gzip archive; unpack it into the folder' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], detail: 'an executable' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], detail: 'an SQLite database' },
];

/** Decides what the bytes are. `complete` says whether `head` is the whole file (an unfinished UTF-8 sequence at the end then counts). */
export function sniffBytes(head: Uint8Array, complete: boolean): Sniff {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return { kind: 'text', encoding: 'utf-8' };
  if (startsWith(head, [0xff, 0xfe])) return { kind: 'text', encoding: 'utf-16le' };
  if (startsWith(head, [0xfe, 0xff])) return { kind: 'text', encoding: 'utf-16be' };
  // PDF allows junk before the header; readers look in the first 1024 bytes.
  if (indexOfAscii(head, '%PDF-', 1024) >= 0) return { kind: 'pdf' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return { kind: 'zip' };
  for (const m of MAGIC) if (startsWith(head, m.bytes)) return { kind: 'binary', detail: `It is ${m.detail}.` };
  const utf16 = utf16WithoutBom(head);
  if (utf16) return { kind: 'text', encoding: utf16 };
  let control = 0;
  for (const b of head) {
    if (b === 0) return { kind: 'binary', detail: 'It contains NUL bytes, so it is not text whatever its extension says.' };
    // Tab, LF, VT, FF, CR and ESC (ANSI colours in logs) are normal in text; other C0 controls are not.
    if ((b < 0x20 && b !== 9 && b !== 10 && b !== 11 && b !== 12 && b !== 13 && b !== 27) || b === 0x7f) control++;
  }
  if (head.length > 0 && control / head.length > 0.1)
    return { kind: 'binary', detail: 'More than 10% of its bytes are control characters.' };
  return { kind: 'text', encoding: validUtf8(head, complete) ? 'utf-8' : 'windows-1252' };
}

/** UTF-16 text written without a BOM shows as NUL bytes on every other position (ASCII-range characters). */
function utf16WithoutBom(head: Uint8Array): TextEncoding | undefined {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZero++;
    if (head[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero / pairs > 0.4 && evenZero / pairs < 0.05) return 'utf-16le';
  if (evenZero / pairs > 0.4 && oddZero / pairs < 0.05) return 'utf-16be';
  return undefined;
}

function validUtf8(b: Uint8Array, complete: boolean): boolean {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return false;
    if (i + need >= b.length) return !complete; // cut in the middle of a character by the head limit
    for (let k = 1; k <= need; k++) if ((b[i + k]! & 0xc0) !== 0x80) return false;
    i += need + 1;
  }
  return true;
}

const CODE: Record<string, string> = {
  '.ts': 'typescript',
  '.tsx': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.rb': 'ruby',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
  '.kt': 'kotlin',
  '.kts': 'kotlin',
  '.scala': 'scala',
  '.c': 'c',
  '.h': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.hpp': 'cpp',
  '.hh': 'cpp',
  '.cs': 'csharp',
  '.swift': 'swift',
  '.m': 'objective-c',
  '.php': 'php',
  '.sh': 'shell',
  '.bash': 'shell',
  '.zsh': 'shell',
  '.fish': 'shell',
  '.ps1': 'powershell',
  '.sql': 'sql',
  '.r': 'r',
  '.jl': 'julia',
  '.lua': 'lua',
  '.pl': 'perl',
  '.pm': 'perl',
  '.hs': 'haskell',
  '.ml': 'ocaml',
  '.mli': 'ocaml',
  '.ex': 'elixir',
  '.exs': 'elixir',
  '.erl': 'erlang',
  '.clj': 'clojure',
  '.dart': 'dart',
  '.vue': 'vue',
  '.svelte': 'svelte',
  '.css': 'css',
  '.scss': 'scss',
  '.less': 'less',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.toml': 'toml',
  '.ini': 'ini',
  '.cfg': 'ini',
  '.xml': 'xml',
  '.gradle': 'groovy',
  '.groovy': 'groovy',
  '.cmake': 'cmake',
  '.proto': 'protobuf',
  '.zig': 'zig',
  '.nim': 'nim',
  '.f90': 'fortran',
  '.asm': 'assembly',
  '.s': 'assembly',
  '.bat': 'batch',
  '.tf': 'terraform',
};
const CODE_NAMES: Record<string, string> = {
  Makefile: 'make',
  Dockerfile: 'dockerfile',
  'CMakeLists.txt': 'cmake',
  Rakefile: 'ruby',
  Gemfile: 'ruby',
};

const BY_EXTENSION: Record<string, DocType> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdown': 'markdown',
  '.mkd': 'markdown',
  '.mdx': 'markdown',
  '.rst': 'rst',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.eml': 'email',
  '.mbox': 'mbox',
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.epub': 'epub',
};

export interface TypeGuess {
  type: DocType;
  language?: string;
}

/** The type of a text file: content wins where it is unambiguous (HTML, email, mbox), then the extension, then plain text. */
export function textType(path: string, text: string): TypeGuess {
  const name = basename(path);
  const ext = extname(name).toLowerCase();
  const codeName = CODE_NAMES[name];
  if (codeName) return { type: 'code', language: codeName };
  const start = text.trimStart().slice(0, 200).toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) return { type: 'html' };
  if (/^From \S+ .*\d{4}\s*$/m.test(text.slice(0, text.indexOf('\n') + 1 || 200))) return { type: 'mbox' };
  if (looksLikeEmail(text) && !CODE[ext]) return { type: 'email' };
  const byExt = BY_EXTENSION[ext];
  // A .pdf/.docx/.epub name on text content is a misleading extension: the content is what gets read.
  if (byExt && byExt !== 'pdf' && byExt !== 'docx' && byExt !== 'epub') return { type: byExt };
  const language = CODE[ext];
  if (language) return { type: 'code', language };
  return { type: 'text' };
}

const HEADER = /^(return-path|received|from|to|cc|subject|date|message-id|mime-version|delivered-to|reply-to|content-type|x-[\w-]+):[ \t]/i;

/** An RFC 5322 message starts with a block of headers; three known ones in the first block is a safe sign. */
function looksLikeEmail(text: string): boolean {
  const block = text.slice(0, 8192).split(/\r?\n\r?\n/, 1)[0] ?? '';
  let known = 0;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) continue; // folded header continuation
    if (!/^[\w-]+:/.test(line)) return false;
    if (HEADER.test(line)) known++;
  }
  return known >= 3;
}

function startsWith(b: Uint8Array, sig: number[]): boolean {
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig[i]) return false;
  return true;
}

function indexOfAscii(b: Uint8Array, s: string, within: number): number {
  const end = Math.min(b.length, within) - s.length;
  outer: for (let i = 0; i <= end; i++) {
    for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}
