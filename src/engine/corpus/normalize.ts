// Streaming text normalisation: line ends to LF, Unicode NFC, control characters out, whitespace tidied (code keeps its indentation).

export type TextStyle = 'prose' | 'code';

/** A line longer than this (minified data, one-line dumps) is normalised in slices so memory stays bounded. */
const MAX_CARRY = 1024 * 1024;

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
// C0 (but tab and LF), DEL, C1, BOM / zero-width no-break space, zero-width space, non-characters.
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\uFEFF\u200B\uFFFE\uFFFF]/g;
/** Invisible by design (a byte-order mark, a zero-width space): removing them loses nothing a reader saw. */
const HARMLESS = new Set(['\uFEFF', '\u200B']);
/** Above this share of a document's characters removed, the report says so: more than a stray control or two means lost text (a wrong encoding, a binary part). */
export const DROPPED_NOTE_SHARE = 0.01;
const BREAKS = /[\u000B\u000C\u2028\u2029]/g;
const INNER_SPACE = /(\S)[^\S\n]{2,}|(\S)[\t\u00A0\u2000-\u200A\u202F\u205F\u3000]/g;
const TRAILING_SPACE = /[^\S\n]+\n/g;

/**
 * Feed decoded text in any chunking; get back normalised text. Only whole lines are processed (the rest is
 * carried over) so CRLF, combining marks and whitespace runs cut by a chunk boundary come out the same
 * as if the text had arrived in one piece. Blank lines collapse to one (code: two), leading and trailing
 * blank lines are dropped.
 */
export class Normalizer {
  private carry = '';
  private pendingNewlines = 0;
  private started = false;
  private readonly maxNewlines: number;
  /** Characters seen, and characters removed as controls (by code point), for dropNote(). */
  private seen = 0;
  private readonly dropped = new Map<number, number>();

  constructor(readonly style: TextStyle) {
    this.maxNewlines = style === 'code' ? 3 : 2;
  }

  push(chunk: string): string {
    const text = this.carry + chunk;
    let cut = text.lastIndexOf('\n') + 1;
    if (cut === 0 && text.length > MAX_CARRY) cut = safeCut(text, MAX_CARRY);
    // Nothing up to a line end yet (a CR at the very end may still be the first half of CRLF): wait.
    if (cut === 0) {
      this.carry = text;
      return '';
    }
    this.carry = text.slice(cut);
    return this.block(text.slice(0, cut));
  }

  end(): string {
    const rest = this.carry;
    this.carry = '';
    return rest ? this.block(rest) : '';
  }

  /** How many characters were removed as controls (not counting byte-order marks and zero-width spaces). */
  get droppedCount(): number {
    let n = 0;
    for (const k of this.dropped.values()) n += k;
    return n;
  }

  /**
   * A sentence for the report when the cleanup removed more than DROPPED_NOTE_SHARE of the text, naming the
   * characters removed most often, so no text is lost silently; undefined when little or nothing was removed.
   */
  dropNote(): string | undefined {
    const n = this.droppedCount;
    if (n === 0 || n <= DROPPED_NOTE_SHARE * this.seen) return undefined;
    const top = [...this.dropped.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 3)
      .map(([c, k]) => `U+${c.toString(16).toUpperCase().padStart(4, '0')} ×${k}`);
    const share = ((100 * n) / this.seen).toFixed(1);
    return `${n.toLocaleString('en-US')} control characters (${share} % of the text; most often ${top.join(', ')}) were removed; if text is missing, check the file's encoding (save it as UTF-8).`;
  }

  private block(raw: string): string {
    this.seen += raw.length;
    let t = raw
      .replace(/\r\n?/g, '\n')
      .normalize('NFC')
      .replace(ANSI, '')
      .replace(BREAKS, '\n')
      .replace(CONTROL, (c) => {
        if (!HARMLESS.has(c)) this.dropped.set(c.charCodeAt(0), (this.dropped.get(c.charCodeAt(0)) ?? 0) + 1);
        return '';
      });
    if (this.style === 'prose') t = t.replace(INNER_SPACE, (_m, a?: string, b?: string) => `${a ?? b} `);
    t = trimEndSpaces(t.replace(TRAILING_SPACE, '\n'));
    // Lines of only whitespace are blank lines now; runs of blank lines shrink across block boundaries too.
    const lead = /^\n*/.exec(t)![0].length;
    const bodyWithTail = t.slice(lead);
    let tail = 0;
    while (tail < bodyWithTail.length && bodyWithTail.charCodeAt(bodyWithTail.length - 1 - tail) === 10) tail++;
    const body = bodyWithTail
      .slice(0, bodyWithTail.length - tail)
      .replace(this.style === 'code' ? /\n{4,}/g : /\n{3,}/g, '\n'.repeat(this.maxNewlines));
    if (!body) {
      this.pendingNewlines += lead + tail;
      return '';
    }
    const sep = this.started ? '\n'.repeat(Math.min(this.maxNewlines, this.pendingNewlines + lead)) : '';
    this.started = true;
    this.pendingNewlines = tail;
    return sep + body;
  }
}

/** Drops trailing spaces (not newlines). A loop, since an end-anchored regex retries from every position of a big block. */
function trimEndSpaces(t: string): string {
  let end = t.length;
  while (end > 0) {
    const c = t.charCodeAt(end - 1);
    if (c === 10 || !/\s/.test(t[end - 1]!)) break;
    end--;
  }
  return end === t.length ? t : t.slice(0, end);
}

/** Normalises a whole string at once (small documents, tests). */
export function normalizeText(text: string, style: TextStyle): string {
  const n = new Normalizer(style);
  return n.push(text) + n.end();
}

/** A cut point at or before `at` that splits neither a surrogate pair nor a base letter from its combining marks. */
function safeCut(text: string, at: number): number {
  let i = at;
  while (i > at - 64 && i > 1 && (/\p{M}/u.test(text[i] ?? '') || isLowSurrogate(text.charCodeAt(i)))) i--;
  return i;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
