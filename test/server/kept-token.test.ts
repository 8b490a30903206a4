// The access token grove serve keeps in the forest home: made once (owner-only), the same on the next start,
// replaced when asked or when others could read it, and never taken from a file that does not hold one.
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptToken, TOKEN_FILE } from '../../src/server/kept-token';
import { tempDir } from '../helpers/tmp';

describe('keptToken', () => {
  it('makes a token once, readable by its owner only, and gives the same one on the next start', async () => {
    const home = join(tempDir(), 'home');
    const first = await keptToken(home);
    expect(first.replaced).toBeNull();
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/); // 192 bits, base64url
    expect(statSync(join(home, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    expect(await keptToken(home)).toEqual({ token: first.token, replaced: null });
  });

  it('replaces it when asked, when others could read it, and when the file holds no token', async () => {
    const home = tempDir();
    const { token } = await keptToken(home);
    const renewed = await keptToken(home, { renew: true });
    expect(renewed.token).not.toBe(token);
    expect(renewed.replaced).toMatch(/--new-token/);
    chmodSync(join(home, TOKEN_FILE), 0o644);
    const exposed = await keptToken(home);
    expect(exposed.token).not.toBe(renewed.token);
    expect(exposed.replaced).toMatch(/could be read by other users/);
    expect(statSync(join(home, TOKEN_FILE)).mode & 0o777).toBe(0o600);
    writeFileSync(join(home, TOKEN_FILE), 'x\n', { mode: 0o600 });
    const junk = await keptToken(home);
    expect(junk.replaced).toMatch(/did not hold a Grove token/);
    expect(readFileSync(join(home, TOKEN_FILE), 'utf8').trim()).toBe(junk.token);
  });

  it('keeps another secret of the same kind in its own file (the OpenAI-compatible endpoint’s key)', async () => {
    const home = tempDir();
    const token = await keptToken(home);
    const key = await keptToken(home, { file: 'openai-key' });
    expect(key.token).not.toBe(token.token);
    expect(readFileSync(join(home, 'openai-key'), 'utf8').trim()).toBe(key.token);
    expect(statSync(join(home, 'openai-key')).mode & 0o777).toBe(0o600);
    expect((await keptToken(home, { file: 'openai-key' })).token).toBe(key.token);
    expect((await keptToken(home)).token).toBe(token.token);
  });
});
