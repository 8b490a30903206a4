// Which links the app hands to the person's browser (shell.openExternal): https only, and only to the hosts
// the app itself links to. Anything else a page asks to open (another scheme such as file: or smb:, a
// look-alike host, a URL with credentials in it) is dropped. Pure, so it is tested in Node.

/**
 * Hosts the app links to: arxiv.org (Help > Branch-Train-Merge paper) and huggingface.co (where a gated
 * model's licence and access tokens are, which the app's messages point to). Subdomains are not included.
 */
export const EXTERNAL_HOSTS: readonly string[] = ['arxiv.org', 'huggingface.co'];

export function isAllowedExternalUrl(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    hosts.includes(parsed.hostname)
  );
}
