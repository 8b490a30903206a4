// The remote rules of `grove serve` as pure functions: host names are inputs here, so nothing binds a public address.
import { describe, expect, it } from 'vitest';
import { GENERATED_TOKEN_BITS, newAccessToken } from '../../src/server/http-server';
import {
  allowedHostNames,
  assertTokenFit,
  hostHeaderAllowed,
  isRemote,
  MIN_TOKEN_BITS,
  originAllowed,
  remoteWarning,
  tokenBits,
  weakTokenReason,
} from '../../src/server/remote-policy';

const machine = { hostname: 'gpu-box', addresses: ['127.0.0.1', '10.1.2.3', 'fe80::1'] };

describe('which servers are remote', () => {
  it('is any address but loopback, or loopback when the person says it is exposed', () => {
    expect(isRemote('0.0.0.0')).toBe(true);
    expect(isRemote('::')).toBe(true);
    expect(isRemote('10.1.2.3')).toBe(true);
    expect(isRemote('127.0.0.1')).toBe(false);
    expect(isRemote('::1')).toBe(false);
    expect(isRemote('127.0.0.1', true)).toBe(true);
  });
});

describe('access tokens for a remote server', () => {
  it('refuses short tokens with how many bits they carry and how to get a good one', () => {
    expect(weakTokenReason('x')).toMatch(/about 4 bits.*at least 128.*openssl rand -hex 16/);
    expect(weakTokenReason('test-token-123')).toMatch(/at least 128/);
    expect(weakTokenReason('0123456789abcdef0123456789abcde')).toMatch(/124 bits/); // 31 hex characters
    expect(() => assertTokenFit('x', true)).toThrow(expect.objectContaining({ code: 'bad_input' }));
  });

  it('refuses long tokens that are easy to guess: few characters, a repeated pattern, a run', () => {
    expect(weakTokenReason('a'.repeat(64))).toMatch(/1 different characters/);
    expect(weakTokenReason('Pa55w0rd-X'.repeat(4))).toMatch(/short pattern repeated/);
    expect(weakTokenReason('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')).toMatch(/neighbouring characters/);
  });

  it('accepts 128 random bits in hex or base64url, and the generated token (192 bits)', () => {
    expect(weakTokenReason('3f9a0c7e5b21d48e96a7f0b3c5d2e814')).toBeNull(); // openssl rand -hex 16
    expect(weakTokenReason('q7Xb0-Kd3mZ_v1Rw9sTy2A')).toBeNull(); // 22 base64url characters
    const generated = newAccessToken();
    expect(Buffer.from(generated, 'base64url').length * 8).toBe(GENERATED_TOKEN_BITS);
    expect(GENERATED_TOKEN_BITS).toBeGreaterThanOrEqual(MIN_TOKEN_BITS);
    expect(tokenBits(generated)).toBeGreaterThanOrEqual(MIN_TOKEN_BITS);
    expect(weakTokenReason(generated)).toBeNull();
  });

  it('leaves a loopback server any token (the person’s own machine)', () => {
    expect(() => assertTokenFit('x', false)).not.toThrow();
  });
});

describe('Host and Origin names', () => {
  it('defaults to the bound address and the host name, plus the names the person adds', () => {
    const names = allowedHostNames('10.1.2.3', true, ['grove.example.org'], machine);
    expect([...names].sort()).toEqual(['10.1.2.3', 'gpu-box', 'grove.example.org']);
    const wildcard = allowedHostNames('0.0.0.0', true, [], machine);
    expect(wildcard.has('10.1.2.3') && wildcard.has('[fe80::1]') && wildcard.has('gpu-box') && wildcard.has('localhost')).toBe(true);
    expect([...allowedHostNames('127.0.0.1', false, [], machine)].sort()).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect(allowedHostNames('127.0.0.1', false, ['grove.internal'], machine).has('grove.internal')).toBe(true); // a local proxy's name
  });

  it('accepts only an allowed name on this server’s port (or none, on the scheme’s default port)', () => {
    const names = allowedHostNames('0.0.0.0', true, ['grove.example.org'], machine);
    expect(hostHeaderAllowed('gpu-box:7420', names, 7420, 'http')).toBe(true);
    expect(hostHeaderAllowed('GROVE.example.org:7420', names, 7420, 'http')).toBe(true);
    expect(hostHeaderAllowed('grove.example.org', names, 443, 'https')).toBe(true);
    expect(hostHeaderAllowed('grove.example.org:443', names, 443, 'https')).toBe(true);
    expect(hostHeaderAllowed('gpu-box:7420?x', names, 7420, 'http')).toBe(false);
    expect(hostHeaderAllowed('[fe80::1]:7420', names, 7420, 'http')).toBe(true);
    expect(hostHeaderAllowed('evil.example:7420', names, 7420, 'http')).toBe(false); // DNS rebinding
    expect(hostHeaderAllowed('gpu-box:7421', names, 7420, 'http')).toBe(false);
    expect(hostHeaderAllowed('gpu-box', names, 7420, 'http')).toBe(false);
    expect(hostHeaderAllowed('gpu-box:7420@evil.example', names, 7420, 'http')).toBe(false);
    expect(hostHeaderAllowed('gpu-box:7420/x', names, 7420, 'http')).toBe(false);
    expect(hostHeaderAllowed(undefined, names, 7420, 'http')).toBe(false);
  });

  it('accepts a browser Origin only from this server’s own page, in its scheme', () => {
    const names = allowedHostNames('10.1.2.3', true, [], machine);
    expect(originAllowed(undefined, names, 7420, 'https')).toBe(true);
    expect(originAllowed('https://10.1.2.3:7420', names, 7420, 'https')).toBe(true);
    expect(originAllowed('http://10.1.2.3:7420', names, 7420, 'https')).toBe(false);
    expect(originAllowed('https://evil.example', names, 7420, 'https')).toBe(false);
    expect(originAllowed('null', names, 7420, 'https')).toBe(false);
  });
});

describe('the startup warning', () => {
  const base = { host: '0.0.0.0', port: 7420, names: new Set(['gpu-box', '10.1.2.3']), tokenBits: 192 };

  it('says who can use it, the names and how to add one, plain HTTP and what to do, and the folders', () => {
    const text = remoteWarning({ ...base, tlsCert: null, roots: ['/home/me/grove'] }).join('\n');
    expect(text).toMatch(/reached from other machines \(listening on 0\.0\.0\.0:7420\)/);
    expect(text).toMatch(/192-bit access token/);
    expect(text).toMatch(/gpu-box, 10\.1\.2\.3 \(port 7420\); add a name with --allowed-host NAME/);
    expect(text).toMatch(/plain HTTP.*unencrypted.*--tls-cert FILE --tls-key FILE.*reverse proxy/);
    expect(text).toMatch(/inside \/home\/me\/grove; add one with --allow-root DIR/);
  });

  it('names the certificate when it speaks HTTPS', () => {
    expect(remoteWarning({ ...base, tlsCert: '/etc/grove/cert.pem', roots: null }).join('\n')).toMatch(
      /HTTPS with the certificate \/etc\/grove\/cert\.pem/,
    );
  });
});
