// Whether a control stays where it is while answers arrive: every animation frame, the page records where the
// first button with the given text is (its top and left, in page coordinates); stop() returns the distinct
// places seen. One place means nothing moved it, however briefly.
import type { Page } from 'playwright-core';

/** The DOM this watcher reads (the Node project's types carry no DOM library). */
interface PageWindow {
  document: {
    querySelectorAll(selector: string): ArrayLike<{ textContent: string | null; getBoundingClientRect(): { top: number; left: number } }>;
  };
  scrollX: number;
  scrollY: number;
  requestAnimationFrame(callback: () => void): number;
  cancelAnimationFrame(id: number): void;
  __groveWatch?: { places: Set<string>; frame: number };
}

/** Starts watching the button named `text`; the returned stop() ends it and gives the places it was seen at. */
export async function watchButtonPlace(page: Page, text: string): Promise<() => Promise<string[]>> {
  await page.evaluate((name) => {
    const win = globalThis as unknown as PageWindow;
    const watch = { places: new Set<string>(), frame: 0 };
    const tick = (): void => {
      const button = Array.from(win.document.querySelectorAll('button')).find((b) => b.textContent?.trim() === name);
      if (button) {
        const box = button.getBoundingClientRect();
        watch.places.add(`${Math.round(box.left + win.scrollX)},${Math.round(box.top + win.scrollY)}`);
      }
      watch.frame = win.requestAnimationFrame(tick);
    };
    win.__groveWatch = watch;
    tick();
  }, text);
  return () =>
    page.evaluate(() => {
      const win = globalThis as unknown as PageWindow;
      const watch = win.__groveWatch;
      if (!watch) return [];
      win.cancelAnimationFrame(watch.frame);
      delete win.__groveWatch;
      return [...watch.places];
    });
}
