// Which web permissions the app's window gets: writing to the clipboard (the chat's copy buttons), for the
// app's own pages only, and nothing else. Grove's UI needs no camera, microphone, location, notifications
// (job notices come from the main process), clipboard reading, USB, serial, HID or MIDI, so every other
// request and check is answered no, whatever page asks. Pure, so it is tested in Node; a permission the UI
// comes to need is added here by name.

/** Permissions the app's own pages may use. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>(['clipboard-sanitized-write']);

/** Whether `permission` is granted to a page at `requestingUrl` (only the app's own pages can ever get one). */
export function isAllowedPermission(permission: string, requestingUrl: string, isTrustedUrl: (url: string) => boolean): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isTrustedUrl(requestingUrl);
}
