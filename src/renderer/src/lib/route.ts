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
