// openssl makes the self-signed certificates of the HTTPS tests (see system-tool.ts: a skip on a developer's
// machine, a failure in CI).
import { systemToolFor } from './system-tool';

export const opensslFor = (what: string): boolean =>
  systemToolFor(what, ['openssl', 'version'], 'no openssl on the PATH (Debian: apt install openssl; scripts/setup-test-deps.mjs does)');
