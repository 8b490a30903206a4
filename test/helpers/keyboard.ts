// Driving a page with the keyboard alone, as a person without a mouse would: Tab (or Shift+Tab) until a control
// has focus, checking on the way that the focused control shows that it has it.
import type { Locator, Page } from 'playwright-core';

/** Whether `target` is the element with focus. */
export function hasFocus(target: Locator): Promise<boolean> {
  return target.evaluate((el) => el === el.ownerDocument.activeElement);
}

/**
 * Presses Tab (or Shift+Tab) until `target` has focus, then returns the focused control's outline style: a
 * control reached by keyboard must show a focus ring ('none' means it does not). Fails after `max` presses.
 */
export async function tabTo(page: Page, target: Locator, { backwards = false, max = 120 } = {}): Promise<string> {
  await target.waitFor({ timeout: 30_000 });
  for (let presses = 0; presses <= max; presses++) {
    if (await hasFocus(target)) return target.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).outlineStyle);
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${target.toString()} was not reached in ${max} presses of ${backwards ? 'Shift+Tab' : 'Tab'}`);
}

/** Clears the focused text or number field and types `text` into it. */
export async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
}
