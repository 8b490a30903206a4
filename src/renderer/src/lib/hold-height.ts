// A Svelte action that reserves the tallest height an element has had: while its width and `key` stay the
// same, it never shrinks (its min-block-size follows its tallest size). For a block whose content is replaced
// by answers that arrive on their own (estimates, a measurement ending): a line fewer must not pull what is
// below it (a Start button) up under the person's pointer. A new width or key (the person changed something
// that belongs to the block) lays it out afresh.
import type { ActionReturn } from 'svelte/action';

export function holdHeight(node: HTMLElement, key: unknown): ActionReturn<unknown> {
  let width = -1;
  let tallest = 0;
  let held = key;
  let frame = 0;
  /** The height min-block-size would hold: the box that box-sizing names. */
  const height = (): number => {
    const style = getComputedStyle(node);
    const box = node.getBoundingClientRect().height;
    if (style.boxSizing === 'border-box') return box;
    const edges = ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'] as const;
    return box - edges.reduce((sum, edge) => sum + (parseFloat(style[edge]) || 0), 0);
  };
  const grow = (): void => {
    const now = height();
    if (now > tallest + 0.5) {
      tallest = now;
      node.style.minBlockSize = `${tallest}px`;
    }
  };
  /** Lays the block out at its natural height, then holds that (after this frame's updates). */
  const release = (): void => {
    tallest = 0;
    node.style.minBlockSize = '';
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(grow);
  };
  const observer = new ResizeObserver(() => {
    const now = node.getBoundingClientRect().width;
    if (Math.abs(now - width) > 0.5) {
      width = now;
      return release();
    }
    grow();
  });
  observer.observe(node);
  return {
    update(next) {
      if (next === held) return;
      held = next;
      release();
    },
    destroy() {
      cancelAnimationFrame(frame);
      observer.disconnect();
    },
  };
}
