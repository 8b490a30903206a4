// Where a domain's ingested data lives in the forest home: domains/<name>/ (shards, manifest, report).
// The name is checked here too (defence in depth): whatever path a caller took, a name like "../../x" never
// becomes a folder outside the home.
import { join } from 'node:path';
import { checkName } from '../../shared/api/names';

export function domainDir(home: string, domain: string): string {
  return join(home, 'domains', checkName('domain', domain));
}
