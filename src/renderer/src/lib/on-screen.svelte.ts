// Which jobs a screen shows in its own place right now, so the background-work tray does not show them twice.
import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';

/** Job id -> how many progress views of it are mounted outside the tray. */
export const jobsOnScreen = new SvelteMap<number, number>();

/**
 * Marks a job as shown for as long as the calling component lives; call from an $effect and return its
 * cleanup. The count is read untracked: the effect depends on the job id alone, not on the map it writes.
 */
export function showingJob(id: number): () => void {
  untrack(() => jobsOnScreen.set(id, (jobsOnScreen.get(id) ?? 0) + 1));
  return () =>
    untrack(() => {
      const left = (jobsOnScreen.get(id) ?? 1) - 1;
      if (left > 0) jobsOnScreen.set(id, left);
      else jobsOnScreen.delete(id);
    });
}
