// Where a folder's domain discovery lives in the forest home: discover/<key>/, the key a hash of the folder's
// absolute path, so the same folder finds its ingest (incremental) and its clusters again. Inside: ingest/ (the
// folder ingested once), discovery.json (the clusters as the person sees them, with their members),
// clusterer.json (what places a new text among them: c-BTM routing reads it), domains/<name>/ (links to a
// grown domain's files, the folder the domain re-ingests from).
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { checkName } from '../../shared/api/names';

export function discoverDir(home: string, folder: string): string {
  return join(home, 'discover', createHash('sha256').update(resolve(folder)).digest('hex').slice(0, 16));
}

export const discoverIngestDir = (dir: string): string => join(dir, 'ingest');
export const discoveryFile = (dir: string): string => join(dir, 'discovery.json');
export const clustererFile = (dir: string): string => join(dir, 'clusterer.json');
export const discoveredDomainDir = (dir: string, domain: string): string => join(dir, 'domains', checkName('domain', domain));
