// Which requests the app's window may make: its own files (the renderer folder; the dev server and its
// hot-reload socket in development), inline data and devtools. Anything else (a remote script, image or
// font, a file elsewhere on disk) is refused. Pure, so it is tested in Node.

/** `prefixes`: URL prefixes of the app's own content, e.g. file:///…/out/renderer/ and http://localhost:5173/. */
export function isAllowedRequest(url: string, prefixes: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (['data:', 'blob:', 'devtools:'].includes(parsed.protocol)) return true;
  // The dev server's hot-reload socket: same host and port as its http address.
  const asHttp = parsed.protocol === 'ws:' ? `http:${url.slice(3)}` : parsed.protocol === 'wss:' ? `https:${url.slice(4)}` : url;
  const normalised = new URL(asHttp).href;
  return prefixes.some((p) => normalised.startsWith(new URL(p).href));
}
