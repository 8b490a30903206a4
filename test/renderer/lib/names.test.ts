import { describe, expect, it } from 'vitest';
import { domainNameFromFolder } from '../../../src/renderer/src/lib/names';

describe('domainNameFromFolder', () => {
  it('takes the last path component and makes it a valid domain name', () => {
    expect(domainNameFromFolder('/home/me/Field Notes/')).toBe('Field-Notes');
    expect(domainNameFromFolder('C:\\Users\\me\\recipes')).toBe('recipes');
    expect(domainNameFromFolder('/tmp/.hidden')).toBe('hidden');
    expect(domainNameFromFolder('')).toBe('');
  });
});
