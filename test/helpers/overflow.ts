// The horizontal-overflow check of the screen tests, as one function that runs in the page: what a person would
// see as a layout fault at this window width. It walks the DOM and reports (1) a page that scrolls sideways,
// (2) an element whose content is wider than its box (scrollWidth > clientWidth) where the overflow is not
// deliberate, (3) an element that sticks out past its parent's left or right edge, or past the viewport's.
// (4) a select whose chosen option's text is cut (a select clips its text, so 1-3 cannot see it: its
// scrollWidth is its clientWidth whatever the option). Deliberate is an element (or, for 3, an ancestor) that scrolls or clips sideways (overflow-x auto, scroll,
// hidden or clip: a scrolling table, an ellipsis), and content that is visually hidden (screen-reader text).
import type { Page } from 'playwright-core';

/** The DOM this check reads (the Node project's types carry no DOM library): the page's own objects. */
interface Box {
  left: number;
  right: number;
  width: number;
  height: number;
}
interface PageElement {
  tagName: string;
  id: string;
  className: unknown;
  textContent: string | null;
  parentElement: PageElement | null;
  scrollWidth: number;
  clientWidth: number;
  getAttribute(name: string): string | null;
  getClientRects(): { length: number };
  getBoundingClientRect(): Box;
  closest(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
}
/** A select or one of its options: what the select check (4) reads and clones. */
interface SelectPart extends PageElement {
  selectedIndex: number;
  options: ArrayLike<SelectPart>;
  offsetWidth: number;
  style: Record<string, string>;
  cloneNode(deep: boolean): SelectPart;
  replaceChildren(...nodes: PageElement[]): void;
  after(node: PageElement): void;
  remove(): void;
}
interface PageStyle {
  overflowX: string;
  display: string;
  position: string;
  visibility: string;
  clip: string;
  clipPath: string;
}
interface PageWindow {
  document: { documentElement: PageElement; body: PageElement };
  getComputedStyle(el: PageElement): PageStyle;
  requestAnimationFrame(callback: () => void): number;
}

/**
 * Runs in the page (no closure over anything outside it): a line per overflowing element, empty when nothing
 * overflows horizontally. Tolerance 1 px for sub-pixel rounding.
 */
export function findHorizontalOverflow(): string[] {
  const slack = 1;
  const win = globalThis as unknown as PageWindow;
  const doc = win.document;
  const root = doc.documentElement;
  const found: string[] = [];
  const styleOf = (el: PageElement): PageStyle => win.getComputedStyle(el);
  const handlesOverflow = (el: PageElement): boolean => /^(auto|scroll|hidden|clip)$/.test(styleOf(el).overflowX);
  const describe = (el: PageElement): string => {
    const id = el.getAttribute('data-testid') ?? el.id;
    const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/)[0]}` : '';
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls}${text ? ` "${text}"` : ''}`;
  };
  /** Whether an ancestor of `el` (below the root) scrolls or clips sideways: what sticks out of it is its business. */
  const insideClipper = (el: PageElement): boolean => {
    for (let a = el.parentElement; a && a !== root && a !== doc.body; a = a.parentElement) if (handlesOverflow(a)) return true;
    return false;
  };
  /** Screen-reader-only text (a 1 px clipped box) and anything not laid out is no visible layout. */
  const visible = (el: PageElement): boolean => {
    if (el.getClientRects().length === 0) return false;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1) return false;
    for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
      const outer = a.getBoundingClientRect();
      if (outer.width <= 1 && outer.height <= 1 && handlesOverflow(a)) return false; // inside screen-reader-only text
    }
    const style = styleOf(el);
    return style.visibility !== 'hidden' && style.clip !== 'rect(0px, 0px, 0px, 0px)' && !/inset\(50%\)/.test(style.clipPath);
  };

  if (root.scrollWidth > root.clientWidth + slack)
    found.push(`the page scrolls sideways: ${root.scrollWidth} px of content in a ${root.clientWidth} px window`);
  const viewportRight = root.clientWidth;
  for (const el of Array.from(doc.body.querySelectorAll('*'))) {
    if (!visible(el) || (el.closest('svg') !== null && el.tagName.toLowerCase() !== 'svg')) continue;
    const style = styleOf(el);
    if (style.display !== 'inline' && !handlesOverflow(el) && el.scrollWidth > el.clientWidth + slack && el.clientWidth > 0) {
      found.push(`${describe(el)}: content ${el.scrollWidth} px wide in a ${el.clientWidth} px box`);
    }
    if (style.position === 'fixed' || insideClipper(el)) continue;
    const box = el.getBoundingClientRect();
    const parent = el.parentElement;
    if (parent && parent !== doc.body && parent !== root && style.position !== 'absolute') {
      const outer = parent.getBoundingClientRect();
      const past = Math.max(box.right - outer.right, outer.left - box.left);
      if (past > slack) found.push(`${describe(el)}: sticks out of ${describe(parent)} by ${Math.round(past)} px`);
    }
    // Only the outermost element past the edge: its descendants go with it.
    const parentPast = parent !== null && parent !== doc.body && parent.getBoundingClientRect().right > viewportRight + slack;
    if (box.right > viewportRight + slack && !parentPast)
      found.push(`${describe(el)}: ends ${Math.round(box.right - viewportRight)} px past the window's right edge`);
  }
  // (4) A clone of each select beside it, at its natural width with its chosen option alone: what the select
  // needs to show that option whole (text, padding, border and arrow, in its own styles).
  for (const select of Array.from(doc.body.querySelectorAll('select')) as SelectPart[]) {
    const option = select.options[select.selectedIndex];
    if (!option || !visible(select)) continue;
    const probe = select.cloneNode(false);
    probe.replaceChildren(option.cloneNode(true));
    Object.assign(probe.style, { position: 'absolute', visibility: 'hidden', width: 'auto', minWidth: '0', maxWidth: 'none' });
    select.after(probe);
    const needs = probe.offsetWidth;
    probe.remove();
    if (needs > select.offsetWidth + slack)
      found.push(
        `${describe(select).replace(/ ".*"$/, '')}: its option "${(option.textContent ?? '').trim()}" needs ${needs} px, cut to ${select.offsetWidth} px`,
      );
  }
  return found;
}

/** The page's horizontal overflow at its current size (findHorizontalOverflow, run in the page). */
export function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(findHorizontalOverflow);
}

/** Resolves after the page has laid out and painted twice (after a resize, before measuring it). */
export function afterTwoFrames(page: Page): Promise<void> {
  return page.evaluate(
    () =>
      new Promise<void>((done) =>
        (globalThis as unknown as PageWindow).requestAnimationFrame(() =>
          (globalThis as unknown as PageWindow).requestAnimationFrame(done),
        ),
      ),
  );
}
