// App-wide hardening: no navigation away from the app (main frame, subframes and redirects alike), no new
// windows, no web permissions, no webviews, no remote content (the renderer may load only the app's own
// files; the CSP in index.html says the same), and links opened in the browser only to a few https hosts.
// The packaged binary's fuses (electron-builder.yml) switch off running it as Node, NODE_OPTIONS and
// --inspect, and check the app archive's integrity.
import { app, session, shell, type Event } from 'electron';
import { isAllowedExternalUrl } from './external-links';
import { isAllowedPermission } from './permission-policy';
import { isAllowedRequest } from './request-policy';

/** Opens a link in the person's browser when it is on the allowlist (external-links.ts); says so when it is not. */
export function openExternalLink(url: string): void {
  if (isAllowedExternalUrl(url)) void shell.openExternal(url);
  else console.warn(`Grove: not opening ${JSON.stringify(url)}: only https links to the app's known hosts open in the browser.`);
}

/** `contentPrefixes`: URL prefixes of the app's own content (see request-policy.ts). */
export function hardenApp(isTrustedUrl: (url: string) => boolean, contentPrefixes: readonly string[]): void {
  app.on('web-contents-created', (_event, contents) => {
    const stayInApp = (details: Event<{ url: string }>): void => {
      if (!isTrustedUrl(details.url)) details.preventDefault();
    };
    contents.on('will-navigate', stayInApp);
    contents.on('will-frame-navigate', stayInApp);
    contents.on('will-redirect', stayInApp);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser, never inside the app.
      openExternalLink(url);
      return { action: 'deny' };
    });
  });
  app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(isAllowedPermission(permission, details.requestingUrl, isTrustedUrl)),
    );
    ses.setPermissionCheckHandler((_contents, permission, _origin, details) =>
      isAllowedPermission(permission, details.requestingUrl ?? '', isTrustedUrl),
    );
    ses.setDevicePermissionHandler(() => false);
    ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url, contentPrefixes) }));
  });
}
