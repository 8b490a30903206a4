// Which web permissions the app's window gets: none. Grove's UI needs no camera, microphone, location,
// notifications (job notices come from the main process), clipboard reading, USB, serial, HID or MIDI, so
// every request and every check is answered no, whatever page asks. Pure, so it is tested in Node; a
// permission the UI comes to need is added here by name, for the app's own pages only.

/** Permissions the app's own pages may use; empty: the UI uses none. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

/** Whether `permission` is granted to a page at `requestingUrl` (only the app's own pages can ever get one). */
export function isAllowedPermission(permission: string, requestingUrl: string, isTrustedUrl: (url: string) => boolean): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isTrustedUrl(requestingUrl);
}
