// The rules of a `grove serve` that other machines can reach (issue 12 #15), as pure functions so they are
// tested with a host name as input, never by binding a public address: which access tokens are strong enough,
// which names a request may give in its Host and Origin headers (DNS-rebinding guard), and the startup
// warning that says all of it, with how to change each.
import { hostname as osHostname, networkInterfaces } from 'node:os';
import { GroveError } from '../shared/api/errors';

/** Bits an access token must carry when the server is reachable from other machines. */
export const MIN_TOKEN_BITS = 128;

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}

/** Whether the remote rules apply: any address but loopback, or a loopback one the person says is exposed (`--remote`: behind a proxy or tunnel). */
export function isRemote(host: string, forced = false): boolean {
  return forced || !isLoopback(host);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** A name as it appears in a URL's host: IPv6 addresses in brackets, lower case. */
export function urlHostName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.includes(':') && !n.startsWith('[') ? `[${n}]` : n;
}

/**
 * An estimate of a token's entropy from its length and alphabet (digits, hex, letters, symbols): what a
 * generated token of that shape would carry. A person's own token can carry less (a word, a pattern), which
 * `weakTokenReason` catches where it can.
 */
export function tokenBits(token: string): number {
  let pool: number;
  if (/^[0-9]+$/.test(token)) pool = 10;
  else if (/^[0-9a-f]+$/.test(token) || /^[0-9A-F]+$/.test(token)) pool = 16;
  else {
    pool = 0;
    if (/[a-z]/.test(token)) pool += 26;
    if (/[A-Z]/.test(token)) pool += 26;
    if (/[0-9]/.test(token)) pool += 10;
    if (/[^a-zA-Z0-9]/.test(token)) pool += 33;
  }
  return Math.floor(token.length * Math.log2(Math.max(pool, 1)));
}

const HOW_TO = 'leave --token out for a new random one, or make one with `openssl rand -hex 16`';

/** Why a token is too weak for a server other machines can reach, or null when it will do. */
export function weakTokenReason(token: string): string | null {
  const bits = tokenBits(token);
  if (bits < MIN_TOKEN_BITS)
    return `The access token carries about ${bits} bits; a server other machines can reach needs at least ${MIN_TOKEN_BITS} (32 hex or 22 base64url characters): ${HOW_TO}.`;
  const distinct = new Set(token).size;
  if (distinct < 8)
    return `The access token uses only ${distinct} different characters, so it is far easier to guess than its length says: ${HOW_TO}.`;
  if (/^(.{1,16})\1+$/s.test(token))
    return `The access token is a short pattern repeated, so it is far easier to guess than its length says: ${HOW_TO}.`;
  let neighbours = 0;
  for (let i = 1; i < token.length; i++) if (Math.abs(token.charCodeAt(i) - token.charCodeAt(i - 1)) <= 1) neighbours++;
  if (neighbours > token.length / 2)
    return `The access token is mostly runs of neighbouring characters (like "abcd" or "1234"): ${HOW_TO}.`;
  return null;
}

/** Refuses a given token too weak for a remote server; a loopback one takes any (the person's own machine). */
export function assertTokenFit(token: string | undefined, remote: boolean): void {
  if (!remote || token === undefined) return;
  const weak = weakTokenReason(token);
  if (weak) throw new GroveError('bad_input', weak);
}

export interface MachineNames {
  hostname: string;
  /** The machine's interface addresses (what a wildcard bind listens on). */
  addresses: readonly string[];
}

export function thisMachine(): MachineNames {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address.replace(/%.*$/, '')));
  return { hostname: osHostname(), addresses };
}

/**
 * The names a request may give in its Host (and Origin) header, without the port, and the names the person
 * added (`--allowed-host`, e.g. what a reverse proxy forwards). Loopback: the loopback names. Remote: the
 * bound address (every interface address for 0.0.0.0 / ::, and the loopback names, since those reach it
 * too) and the machine's host name.
 */
export function allowedHostNames(host: string, remote: boolean, extra: readonly string[], machine: MachineNames): Set<string> {
  const loopbackNames = ['127.0.0.1', 'localhost', '::1'];
  const own = !remote
    ? loopbackNames
    : isWildcard(host)
      ? [...machine.addresses, ...loopbackNames, machine.hostname]
      : [host, machine.hostname];
  return new Set([...own, ...extra].filter((n) => n.trim() !== '').map(urlHostName));
}

/** Whether a Host header names this server: an allowed name, and this server's port (or none, when it is the scheme's default). */
export function hostHeaderAllowed(header: string | undefined, names: ReadonlySet<string>, port: number, scheme: 'http' | 'https'): boolean {
  if (!header) return false;
  let url: URL;
  try {
    url = new URL(`${scheme}://${header}`);
  } catch {
    return false;
  }
  const defaultPort = scheme === 'https' ? 443 : 80;
  const given = header.toLowerCase();
  // Only a bare host[:port]: no credentials, path or query smuggled in (`a:1@evil`, `a:1/x`).
  if ((given !== url.host && given !== `${url.host}:${defaultPort}`) || url.username || url.password || url.pathname !== '/') return false;
  const givenPort = url.port === '' ? defaultPort : Number(url.port);
  return names.has(url.hostname) && givenPort === port;
}

/** Whether an Origin header (sent by browsers) is this server's own page; requests without one (scripts, curl) pass. */
export function originAllowed(origin: string | undefined, names: ReadonlySet<string>, port: number, scheme: 'http' | 'https'): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === `${scheme}:` && url.origin === origin.toLowerCase() && hostHeaderAllowed(url.host, names, port, scheme);
}

export interface RemoteWarningFacts {
  host: string;
  port: number;
  names: ReadonlySet<string>;
  tokenBits: number;
  /** The certificate file, when the server speaks HTTPS. */
  tlsCert: string | null;
  /** The folders calls may use; null: any folder. */
  roots: readonly string[] | null;
}

/** What `grove serve` prints when other machines can reach it: who can use it, how, over what, and on which folders. */
export function remoteWarning(f: RemoteWarningFacts): string[] {
  return [
    `Warning: this server can be reached from other machines (listening on ${f.host}:${f.port}). Anyone who can reach it and has the token can use this forest.`,
    `  Access: only with the ${f.tokenBits}-bit access token in the address below; keep it secret.`,
    `  Names: requests must address this server as ${[...f.names].join(', ')} (port ${f.port}); add a name with --allowed-host NAME.`,
    f.tlsCert
      ? `  Transport: HTTPS with the certificate ${f.tlsCert}.`
      : '  Transport: plain HTTP: the token and your documents cross the network unencrypted. Give --tls-cert FILE --tls-key FILE, or keep this server behind an HTTPS reverse proxy or an SSH tunnel.',
    f.roots
      ? `  Folders: documents, model folders and export destinations must lie inside ${f.roots.join(', ')}; add one with --allow-root DIR.`
      : '  Folders: any folder this user can read or write.',
  ];
}
