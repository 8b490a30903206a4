// The app's screens and what each one is opened on; App.svelte shows one at a time.

export type Route =
  | { name: 'forest' }
  | { name: 'new-expert' }
  | { name: 'training'; runId?: number }
  | { name: 'domain'; domain: string }
  | { name: 'chat' }
  | { name: 'settings' };

export type RouteName = Route['name'];

/** The screens the top bar offers (the domain report opens from the forest). */
export const NAV_ITEMS: readonly { name: RouteName; label: string }[] = [
  { name: 'forest', label: 'Forest' },
  { name: 'new-expert', label: 'New expert' },
  { name: 'training', label: 'Training' },
  { name: 'chat', label: 'Chat' },
  { name: 'settings', label: 'Settings' },
];

/** The screen as the address's fragment (`#/chat`, `#/training/12`, `#/domain/NAME`), so a reload keeps it. */
export function routeToHash(route: Route): string {
  if (route.name === 'training' && route.runId !== undefined) return `#/training/${route.runId}`;
  if (route.name === 'domain') return `#/domain/${encodeURIComponent(route.domain)}`;
  return `#/${route.name}`;
}

/** The screen a fragment names, or null for anything else (an empty or foreign fragment). */
export function routeFromHash(hash: string): Route | null {
  const m = /^#\/([a-z-]+)(?:\/(.+))?$/.exec(hash);
  if (!m) return null;
  const [, name, arg] = m;
  if (name === 'training') return arg === undefined ? { name } : /^[1-9]\d*$/.test(arg) ? { name, runId: Number(arg) } : null;
  if (name === 'domain') {
    if (arg === undefined) return null;
    try {
      return { name, domain: decodeURIComponent(arg) };
    } catch {
      return null;
    }
  }
  return arg === undefined && NAV_ITEMS.some((item) => item.name === name) ? ({ name } as Route) : null;
}
