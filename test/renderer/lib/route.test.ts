import { describe, expect, it } from 'vitest';
import { routeFromHash, routeToHash, type Route } from '../../../src/renderer/src/lib/route';

describe('the screen in the address', () => {
  it('round-trips every screen through the fragment', () => {
    const routes: Route[] = [
      { name: 'forest' },
      { name: 'new-expert' },
      { name: 'training' },
      { name: 'training', runId: 12 },
      { name: 'chat' },
      { name: 'settings' },
      { name: 'domain', domain: 'field notes/α #1' },
    ];
    for (const route of routes) expect(routeFromHash(routeToHash(route))).toEqual(route);
    expect(routeToHash({ name: 'training', runId: 12 })).toBe('#/training/12');
  });

  it('ignores fragments that name no screen', () => {
    for (const hash of ['', '#', '#token=abc', '#/nowhere', '#/chat/5', '#/training/0', '#/training/x', '#/domain', '#/domain/%E0%A4%A'])
      expect(routeFromHash(hash), hash).toBeNull();
  });
});
