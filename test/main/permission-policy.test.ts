// Which web permissions the window gets: none, for the app’s pages and any other.
import { describe, expect, it } from 'vitest';
import { ALLOWED_PERMISSIONS, isAllowedPermission } from '../../src/main/permission-policy';

const appPage = 'file:///opt/grove/out/renderer/index.html';
const isTrustedUrl = (url: string) => url.startsWith(appPage);

describe('isAllowedPermission', () => {
  it('grants the app’s own page nothing it does not need (it needs none)', () => {
    expect(ALLOWED_PERMISSIONS.size).toBe(0);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen', 'hid', 'serial', 'usb', 'midiSysex', 'fileSystem', 'display-capture', 'unknown']) {
      expect(isAllowedPermission(p, appPage, isTrustedUrl), p).toBe(false);
    }
  });

  it('grants any other page nothing', () => {
    expect(isAllowedPermission('media', 'https://evil.example/', isTrustedUrl)).toBe(false);
    expect(isAllowedPermission('notifications', '', isTrustedUrl)).toBe(false);
  });
});
