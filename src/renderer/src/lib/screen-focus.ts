// When the screen changes (a toolbar button, "Start training" opening the training view, Back), a keyboard or
// screen-reader user carries on from the new screen's title, not from the top of the page or from a button
// that is no longer there.

/** Moves focus to the first screen title (an h2) under `root`, focusable by script only; false when there is none yet. */
export function focusScreenTitle(root: ParentNode): boolean {
  const title = root.querySelector<HTMLElement>('h2');
  if (!title) return false;
  if (!title.hasAttribute('tabindex')) title.setAttribute('tabindex', '-1');
  title.focus();
  return true;
}
