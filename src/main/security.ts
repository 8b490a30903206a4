// App-wide hardening: no navigation away from the app, no new windows, no permission prompts, no webviews,
// and no remote content: the renderer may load only the app's own files (the CSP in index.html says the same).
import { app, session, shell } from 'electron';
import { isAllowedRequest } from './request-policy';

/** `contentPrefixes`: URL prefixes of the app's own content (see request-policy.ts). */
export function hardenApp(isTrustedUrl: (url: string) => boolean, contentPrefixes: readonly string[]): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser, never inside the app.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url, contentPrefixes) }));
  });
}
