// Which web permissions the window gets: clipboard writes (copy buttons) for the app’s pages, nothing else.
import { describe, expect, it } from 'vitest';
import { ALLOWED_PERMISSIONS, isAllowedPermission } from '../../src/main/permission-policy';

const appPage = 'file:///opt/grove/out/renderer/index.html';
const isTrustedUrl = (url: string) => url.startsWith(appPage);

describe('isAllowedPermission', () => {
  it('grants the app’s own page clipboard writes (the copy buttons) and nothing else', () => {
    expect([...ALLOWED_PERMISSIONS]).toEqual(['clipboard-sanitized-write']);
    expect(isAllowedPermission('clipboard-sanitized-write', appPage, isTrustedUrl)).toBe(true);
    for (const p of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fullscreen',
      'hid',
      'serial',
      'usb',
      'midiSysex',
      'fileSystem',
      'display-capture',
      'unknown',
    ]) {
      expect(isAllowedPermission(p, appPage, isTrustedUrl), p).toBe(false);
    }
  });

  it('grants any other page nothing', () => {
    expect(isAllowedPermission('media', 'https://evil.example/', isTrustedUrl)).toBe(false);
    expect(isAllowedPermission('notifications', '', isTrustedUrl)).toBe(false);
    expect(isAllowedPermission('clipboard-sanitized-write', 'https://evil.example/', isTrustedUrl)).toBe(false);
  });
});
