// HTML read without building a DOM, in one linear pass. linkedom's parser slows down with nesting depth (100,000
// nested <div> take minutes, 20,000 unclosed <span> tens of seconds), so a page's shape is measured here first,
// and a page too deep or too big for the DOM path gets its text by stripping the tags instead of being lost.
import { domLibraries } from './dom-libraries';

/** Elements that never hold content. */
const VOID = new Set([
  'area',
  'base',
  'basefont',
  'bgsound',
  'br',
  'col',
  'embed',
  'frame',
  'hr',
  'image',
  'img',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
/** Elements the parser closes by itself when a sibling starts (their end tag is optional): they add no depth. */
const OPTIONAL_END = new Set([
  'html',
  'head',
  'body',
  'p',
  'li',
  'dt',
  'dd',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'colgroup',
  'caption',
  'option',
  'optgroup',
  'rb',
  'rt',
  'rtc',
  'rp',
]);
/** Elements whose content is not markup: read up to their end tag as one run. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']);
/** Raw-text elements whose content a reader sees. */
const VISIBLE_RAW = new Set(['title', 'textarea']);

/** Elements laid out as blocks: a line break before and after their text. */
export const BLOCK_TAGS: ReadonlySet<string> = new Set([
  'address',
  'article',
  'blockquote',
  'body',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'li',
  'main',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tr',
  'ul',
  'caption',
  'title',
]);

export interface MarkupShape {
  /** Deepest nesting of open elements, as a parser would build it (approximately: optional end tags add none). */
  depth: number;
  elements: number;
  /** Sum over elements of their depth: what DOM building and Readability's per-node work grow with. */
  work: number;
}

interface TagVisitor {
  text(start: number, end: number): void;
  raw(name: string, start: number, end: number): void;
  open(name: string, selfClosing: boolean): void;
  close(name: string): void;
}

const TAG_NAME = /[a-zA-Z][^\s/>]*/y;

/** Walks the tags and text of `html` once; every search moves forward, so the pass is linear whatever the input. */
function scanTags(html: string, visit: TagVisitor): void {
  const n = html.length;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      visit.text(i, n);
      return;
    }
    if (lt > i) visit.text(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    const c = html.charCodeAt(lt + 1);
    if (c === 33 || c === 63) {
      // <!doctype ...>, <![CDATA[ ... ]]> and <? ... ?>: no text
      const end = html.indexOf('>', lt + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const closing = c === 47;
    TAG_NAME.lastIndex = lt + (closing ? 2 : 1);
    const m = TAG_NAME.exec(html);
    if (!m) {
      visit.text(lt, lt + 1); // a '<' that starts no tag is text
      i = lt + 1;
      continue;
    }
    const end = html.indexOf('>', TAG_NAME.lastIndex);
    if (end < 0) return; // a tag cut off by the end of the file is dropped, as a parser does
    const name = m[0].toLowerCase();
    i = end + 1;
    if (closing) {
      visit.close(name);
      continue;
    }
    const selfClosing = html.charCodeAt(end - 1) === 47;
    visit.open(name, selfClosing);
    if (RAW_TEXT.has(name)) {
      const closeTag = new RegExp(`</${name}`, 'ig');
      closeTag.lastIndex = i;
      const stop = closeTag.exec(html)?.index ?? n;
      visit.raw(name, i, stop);
      i = stop;
    }
  }
}

/** How deep and how big the element tree of `html` is, without building it. */
export function markupShape(html: string): MarkupShape {
  const stack: string[] = [];
  const openCount = new Map<string, number>();
  const shape: MarkupShape = { depth: 0, elements: 0, work: 0 };
  scanTags(html, {
    text: () => {},
    raw: () => {},
    open(name, selfClosing) {
      shape.elements++;
      // "<div/>" opens a div in HTML; only inside SVG and MathML does "/>" close the element.
      const closed =
        selfClosing && ((openCount.get('svg') ?? 0) > 0 || (openCount.get('math') ?? 0) > 0 || name === 'svg' || name === 'math');
      if (closed || VOID.has(name) || OPTIONAL_END.has(name)) {
        shape.work += stack.length + 1;
        return;
      }
      stack.push(name);
      openCount.set(name, (openCount.get(name) ?? 0) + 1);
      shape.depth = Math.max(shape.depth, stack.length);
      shape.work += stack.length;
    },
    close(name) {
      // An end tag closes the nearest open element of its name and everything inside it; a stray one closes nothing.
      if (!openCount.get(name)) return;
      for (;;) {
        const top = stack.pop()!;
        openCount.set(top, openCount.get(top)! - 1);
        if (top === name) break;
      }
    },
  });
  return shape;
}

/** The text of `html` with every tag removed: line breaks at block elements, no scripts or styles, entities decoded. */
export async function stripTags(html: string): Promise<string> {
  const parts: string[] = [];
  const gap = (name: string): void => {
    if (BLOCK_TAGS.has(name) || name === 'br') parts.push('\n');
  };
  scanTags(html, {
    text: (start, end) => parts.push(html.slice(start, end).replace(/\s+/g, ' ')),
    raw: (name, start, end) => {
      if (VISIBLE_RAW.has(name)) parts.push(html.slice(start, end).replace(/\s+/g, ' '));
    },
    open: gap,
    close: gap,
  });
  const text = parts
    .join('')
    .replace(/[ \t]*\n[ \t]*/g, '\n')
    .replace(/\n{3,}/g, '\n\n');
  // Entities are decoded by the HTML parser itself, on text that now holds no tags: one flat text node, linear.
  const { parseHTML } = await domLibraries();
  const { document } = parseHTML(`<html><body>${text.replace(/</g, '&lt;')}</body></html>`) as unknown as {
    document: { body: { textContent: string | null } | null };
  };
  return document.body?.textContent ?? '';
}
