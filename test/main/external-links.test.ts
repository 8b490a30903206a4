// Which links leave the app for the browser: the allowlist of https hosts, against schemes and look-alikes a page could try.
import { describe, expect, it } from 'vitest';
import { EXTERNAL_HOSTS, isAllowedExternalUrl } from '../../src/main/external-links';

describe('isAllowedExternalUrl', () => {
  it('opens the https links the app itself has', () => {
    expect(isAllowedExternalUrl('https://arxiv.org/abs/2208.03306')).toBe(true);
    expect(isAllowedExternalUrl('https://huggingface.co/settings/tokens')).toBe(true);
    expect(EXTERNAL_HOSTS).toContain('arxiv.org');
  });

  it('refuses other schemes, other and look-alike hosts, credentials and odd ports', () => {
    for (const url of [
      'http://arxiv.org/abs/2208.03306',
      'file:///etc/passwd',
      'smb://attacker.example/share',
      'javascript:alert(1)',
      'ms-msdt:/id PCWDiagnostic',
      'https://evil.example/',
      'https://arxiv.org.evil.example/',
      'https://evilarxiv.org/',
      'https://sub.arxiv.org/',
      'https://arxiv.org@evil.example/',
      'https://user:pw@arxiv.org/',
      'https://arxiv.org:8443/',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });
});
