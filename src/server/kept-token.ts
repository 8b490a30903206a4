// The access token `grove serve` keeps in the forest home (serve-token, readable by its owner only), so a
// server restarted on the same forest accepts the pages it served before: they reconnect on their own, and a
// reload works, instead of stranding the person on "wrong access token". `--token` uses a given one instead
// (not kept); `--new-token` replaces the kept one, locking out every page and link that had it.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurable } from '../engine/durable-write';
import { newAccessToken } from './http-server';

export const TOKEN_FILE = 'serve-token';

/** A kept token looks like one Grove made: base64url of at least 128 bits. */
const KEPT = /^[A-Za-z0-9_-]{22,}$/;

export interface KeptToken {
  token: string;
  /** Why a new one was made, when the kept one was not used: said at start-up. */
  replaced: string | null;
}

/**
 * The forest home's kept token, or a new one written there (owner-only) when there is none or it is refused.
 * `file` names another kept secret of the same kind (the OpenAI-compatible endpoint's key).
 */
export async function keptToken(home: string, o: { renew?: boolean; file?: string } = {}): Promise<KeptToken> {
  const path = join(home, o.file ?? TOKEN_FILE);
  const info = await stat(path).catch(() => null);
  let replaced: string | null = null;
  if (o.renew)
    replaced = info ? 'a new access token was asked for (--new-token): pages opened with the old one must use the new address' : null;
  else if (info && process.platform !== 'win32' && (info.mode & 0o077) !== 0)
    replaced = `${path} could be read by other users, so its token may be known: a new one was made`;
  else if (info) {
    const token = (await readFile(path, 'utf8')).trim();
    if (KEPT.test(token)) return { token, replaced: null };
    replaced = `${path} did not hold a Grove token: a new one was made`;
  }
  const token = newAccessToken();
  await mkdir(home, { recursive: true });
  await writeFileDurable(path, `${token}\n`, { mode: 0o600 });
  return { token, replaced };
}
