// Where a domain's ingested data lives in the forest home: domains/<name>/ (shards, manifest, report).
import { join } from 'node:path';

export function domainDir(home: string, domain: string): string {
  return join(home, 'domains', domain);
}
