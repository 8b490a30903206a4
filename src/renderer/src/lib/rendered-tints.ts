// Per-token expert colouring on rendered Markdown: the rendered text is the reply's text less its syntax
// (`**`, fence lines, list markers, backslash escapes), so each rendered character is found in the source
// by a forward scan, and runs of characters from the same generated token are wrapped in one tinted span.

export interface TintedPiece {
  text: string;
  tint: string;
  tip: string;
}

/** How far ahead a rendered character is looked for in the source (a fence line with its language). */
const LOOKAHEAD = 48;
/** Markdown's inline markers, which close a span just before the whitespace that follows it. */
const INLINE_MARKERS = '*_~`';

/** For each character of `rendered`, the index of the source character it shows, or -1 (not found or syntax). */
export function alignRendered(rendered: string, source: string): Int32Array {
  const out = new Int32Array(rendered.length).fill(-1);
  let cursor = 0;
  for (let i = 0; i < rendered.length; i++) {
    // Whitespace is matched only where the scan stands, past closing inline markers (`**` in "**Bold** and"):
    // a line break between blocks must not jump ahead to the next line break of the source.
    if (!rendered[i]!.trim()) {
      let j = cursor;
      while (j < source.length && j - cursor < 4 && INLINE_MARKERS.includes(source[j]!)) j++;
      if (j < source.length && !source[j]!.trim()) {
        out[i] = j;
        cursor = j + 1;
      }
      continue;
    }
    const limit = Math.min(source.length, cursor + LOOKAHEAD);
    for (let j = cursor; j < limit; j++) {
      if (source[j] === rendered[i]) {
        out[i] = j;
        cursor = j + 1;
        break;
      }
    }
  }
  return out;
}

/** The piece that produced each source character. */
function pieceOfChar(pieces: readonly TintedPiece[]): Int32Array {
  const total = pieces.reduce((n, p) => n + p.text.length, 0);
  const out = new Int32Array(total);
  let at = 0;
  pieces.forEach((p, k) => {
    out.fill(k, at, at + p.text.length);
    at += p.text.length;
  });
  return out;
}

/** Wraps the rendered text under `root` in spans, one per run of characters of one generated token. */
export function tintRenderedText(root: HTMLElement, source: string, pieces: readonly TintedPiece[]): void {
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  const rendered = nodes.map((n) => n.data).join('');
  const align = alignRendered(rendered, source);
  const owner = pieceOfChar(pieces);
  let offset = 0;
  for (const node of nodes) {
    const text = node.data;
    if (!text.trim()) {
      offset += text.length; // the line breaks between blocks stay as they are
      continue;
    }
    const fragment = root.ownerDocument.createDocumentFragment();
    let start = 0;
    const pieceAt = (i: number) => (align[offset + i]! >= 0 ? (owner[align[offset + i]!] ?? -1) : -1);
    for (let i = 1; i <= text.length; i++) {
      if (i < text.length && pieceAt(i) === pieceAt(start)) continue;
      const run = text.slice(start, i);
      const k = pieceAt(start);
      if (k < 0) fragment.append(run);
      else {
        const span = root.ownerDocument.createElement('span');
        span.className = 'tok';
        span.style.setProperty('--tint', pieces[k]!.tint);
        span.title = pieces[k]!.tip;
        span.textContent = run;
        fragment.append(span);
      }
      start = i;
    }
    offset += text.length;
    node.replaceWith(fragment);
  }
}
