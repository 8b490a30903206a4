import { describe, expect, it } from 'vitest';
import { isAllowedRequest } from '../../src/main/request-policy';

const prefixes = ['file:///opt/grove/out/renderer/', 'http://localhost:5173/'];

describe('isAllowedRequest', () => {
  it('lets the app load its own files, inline data, and the dev server with its hot-reload socket', () => {
    expect(isAllowedRequest('file:///opt/grove/out/renderer/index.html', prefixes)).toBe(true);
    expect(isAllowedRequest('file:///opt/grove/out/renderer/assets/index-abc.js', prefixes)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA', prefixes)).toBe(true);
    expect(isAllowedRequest('http://localhost:5173/src/main.ts', prefixes)).toBe(true);
    expect(isAllowedRequest('ws://localhost:5173/', prefixes)).toBe(true);
  });

  it('refuses remote content and files outside the renderer folder', () => {
    expect(isAllowedRequest('https://cdn.example.com/lib.js', prefixes)).toBe(false);
    expect(isAllowedRequest('http://localhost:5174/', prefixes)).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd', prefixes)).toBe(false);
    expect(isAllowedRequest('file:///opt/grove/out/renderer/../../secret', prefixes)).toBe(false);
    expect(isAllowedRequest('not a url', prefixes)).toBe(false);
  });
});
