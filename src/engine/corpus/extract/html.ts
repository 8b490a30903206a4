// HTML: the main text (Mozilla Readability on a linkedom DOM), without scripts, styles or navigation; block structure kept as line breaks.
// A page too deep or too big for the DOM (see html-scan.ts) is read by stripping its tags instead, with a note.
import type { Readability } from '@mozilla/readability';
import { domLibraries, type DomLibraries } from './dom-libraries';
import { BLOCK_TAGS, markupShape, stripTags } from './html-scan';
import type { Extractor } from './types';
import { textDecoder } from '../windows-1252';

/** Never text for a reader: code, styling, embedded media, and the page furniture around the content. */
const DROP =
  'script, style, noscript, template, svg, canvas, iframe, object, embed, nav, header, footer, aside, form, button, select, [hidden], [aria-hidden="true"]';
const BLOCK = new Set([...BLOCK_TAGS].map((t) => t.toUpperCase()));
const PARAGRAPH = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'PRE', 'TABLE', 'UL', 'OL', 'FIGURE']);

/** Readability gives up on short pages (and sometimes keeps too little); below this many characters the whole body is used instead. */
const MIN_ARTICLE_CHARS = 200;

/**
 * Deepest markup given to the DOM parser. Pages people write nest a few dozen levels; browsers stop nesting at
 * 512 (Blink's parser limit). Past it, building the tree costs depth x elements and the walks recurse that deep.
 */
export const MAX_HTML_DEPTH = 512;
/**
 * Most element-depth steps (markupShape's work) given to the DOM parser and Readability: a bound on their time per
 * file that is the same on any machine (5e6 steps cost Readability about 2 s more than a shallow page of as many elements).
 */
export const MAX_HTML_WORK = 5_000_000;
/** Readability's time grows with the element count (40,000 took it 4-8 s); bigger pages are read whole, without it. */
export const MAX_ARTICLE_ELEMENTS = 30_000;

interface DomNode {
  nodeType: number;
  nodeName: string;
  childNodes: ArrayLike<DomNode>;
  textContent: string | null;
}

/** The part of linkedom's DOM this module and the EPUB reader use (the engine compiles without the DOM lib). */
export interface DomElement extends DomNode {
  remove(): void;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

export interface DomDocument {
  title?: string;
  body: DomElement | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
}

function parseDocument({ parseHTML }: DomLibraries, html: string): DomDocument {
  return (parseHTML(html) as unknown as { document: DomDocument }).document;
}

/** An XML document parsed into a DOM, or undefined when its nesting is too deep to parse in bounded time. */
export async function parseXml(xml: string): Promise<DomDocument | undefined> {
  const shape = markupShape(xml);
  if (shape.depth > MAX_HTML_DEPTH || shape.work > MAX_HTML_WORK) return undefined;
  const { parseHTML } = await domLibraries();
  const { DOMParser } = parseHTML('<html></html>') as unknown as {
    DOMParser: new () => { parseFromString(s: string, type: string): DomDocument };
  };
  return new DOMParser().parseFromString(xml, 'text/xml');
}

/**
 * Main text of an HTML page. `article` runs Readability first (web pages); without it the whole body is read (e-book chapters).
 * A page past the depth or work bound is read by stripping its tags, and `note` says so.
 */
export async function htmlToText(html: string, article: boolean, note: (text: string) => void = () => {}): Promise<string> {
  const shape = markupShape(html);
  if (shape.depth > MAX_HTML_DEPTH || shape.work > MAX_HTML_WORK) {
    const why =
      shape.depth > MAX_HTML_DEPTH
        ? `its markup nests ${shape.depth.toLocaleString('en-US')} elements deep (over ${MAX_HTML_DEPTH})`
        : `its markup is too big to parse as a page (${shape.elements.toLocaleString('en-US')} elements)`;
    note(`Read by stripping the tags, because ${why}: the text is kept, but menus and other page furniture were not removed.`);
    return stripTags(html);
  }
  const dom = await domLibraries();
  if (article && shape.elements > MAX_ARTICLE_ELEMENTS) {
    note(
      `Read as a whole page, because it has ${shape.elements.toLocaleString('en-US')} elements (over ${MAX_ARTICLE_ELEMENTS.toLocaleString('en-US')}) to search for the article: menus and other page furniture may remain.`,
    );
  } else if (article) {
    const document = parseDocument(dom, html);
    const title = document.title?.trim() ?? '';
    let parsed: ReturnType<Readability['parse']> = null;
    try {
      parsed = new dom.Readability(document as unknown as ConstructorParameters<typeof Readability>[0], {
        charThreshold: MIN_ARTICLE_CHARS,
      }).parse();
    } catch {
      parsed = null; // Readability throws on some malformed trees; the plain body below is the fallback.
    }
    if (parsed?.content && (parsed.textContent ?? '').trim().length >= MIN_ARTICLE_CHARS) {
      const body = blockText(parseDocument(dom, `<html><body>${parsed.content}</body></html>`).body!);
      const heading = parsed.title?.trim() || title;
      return heading && !body.trimStart().startsWith(heading) ? `${heading}\n\n${body}` : body;
    }
  }
  const document = parseDocument(dom, html);
  for (const el of Array.from(document.querySelectorAll(DROP))) el.remove();
  const title = document.title?.trim() ?? '';
  const body = document.body ? blockText(document.body) : '';
  return title && !body.trimStart().startsWith(title) ? `${title}\n\n${body}` : body;
}

/** Text of a DOM subtree with line breaks where the layout has them; whitespace inside text collapses as a browser would. */
function blockText(root: DomNode): string {
  const parts: string[] = [];
  const walk = (node: DomNode, pre: boolean): void => {
    if (node.nodeType === 3) {
      const t = node.textContent ?? '';
      parts.push(pre ? t : t.replace(/\s+/g, ' '));
      return;
    }
    if (node.nodeType !== 1) return;
    const name = node.nodeName.toUpperCase();
    if (name === 'SCRIPT' || name === 'STYLE' || name === 'NOSCRIPT' || name === 'TEMPLATE') return;
    if (name === 'BR') {
      parts.push('\n');
      return;
    }
    const block = BLOCK.has(name);
    const gap = PARAGRAPH.has(name) ? '\n\n' : '\n';
    if (block) parts.push(gap);
    const kids = node.childNodes;
    for (let i = 0; i < kids.length; i++) walk(kids[i]!, pre || name === 'PRE');
    if (name === 'TD' || name === 'TH') parts.push(' ');
    if (block) parts.push(gap);
  };
  walk(root, false);
  // Spaces next to the inserted line breaks are layout, not text.
  return parts.join('').replace(/[ \t]*\n[ \t]*/g, '\n');
}

export const html: Extractor = {
  types: ['html'],
  style: 'prose',
  whole: true,
  async *extract(source) {
    const bytes = await source.bytes();
    yield await htmlToText(decodeHtml(bytes), true, (note) => source.note(note));
  },
};

/** HTML is UTF-8 unless it says otherwise in a BOM or a meta charset; Windows-1252 stands in for Latin-1 as browsers do. */
export function decodeHtml(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 2048));
  const declared = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1]?.toLowerCase();
  if (declared && declared !== 'utf-8' && declared !== 'utf8') {
    try {
      return textDecoder(declared).decode(bytes);
    } catch {
      // an unknown label: fall through to UTF-8
    }
  }
  const utf8 = new TextDecoder('utf-8').decode(bytes);
  return utf8.includes('\uFFFD') ? textDecoder('windows-1252').decode(bytes) : utf8;
}
