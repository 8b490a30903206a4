// `grove add <folder> --discover [--k K] [--names a,b,c]`: domains found in an unlabelled folder (c-BTM). The
// folder is ingested once into a scratch domain under the forest ($GROVE_HOME/discover/<folder key>/ingest,
// incremental: a second run reads only changed files), its documents clustered (engine/corpus/discover), and the
// clusters printed for the person to name. With --names, cluster i becomes domain names[i] ("-" drops a cluster,
// a name given twice merges its clusters) and each domain grows its expert as `grove add` does. A domain's files
// are hard links to the originals (a copy across file systems) in $GROVE_HOME/discover/<key>/domains/<name>, the
// folder the domain is ingested from and re-ingested from later.
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { discoverDomains, type Discovery } from '../../engine/corpus/discover/discover';
import { ingestedDocuments } from '../../engine/corpus/discover/documents';
import { ingestFolder } from '../../engine/corpus/ingest';
import { saveClusterer } from '../../engine/forest/clusterer-store';
import { printable } from '../../engine/corpus/report';
import { DEFAULT_IGNORE } from '../../engine/corpus/settings';
import { corpusTokenizer } from '../../engine/corpus/types';
import { GroveError } from '../../shared/api/errors';
import { domainNameArg } from '../options';
import { ProgressLine } from '../progress-line';
import { jobRunningService } from '../run-job';
import { addDomainWithExpert, type ExpertRequest } from '../add-domain';
import { forestTokenizerPath, ingestProgress, tokenizerAt } from './ingest';

export interface DiscoverOpts {
  discover?: boolean;
  k?: number;
  names?: string[];
  discoverSeed: number;
}

const DROP = '-';

export function discoverOptions(command: Command): Command {
  return command
    .option('--discover', 'find the domains in the folder (TF-IDF, truncated SVD, balanced k-means) and print them; with --names, grow one expert per domain')
    .option('--k <k>', 'with --discover: how many clusters (default: sqrt(documents / 2), from 2 to 8)', (v) => Number(v))
    .option('--names <a,b,c>', `with --discover: a domain name per cluster, in the order printed ("${DROP}" drops one, a name twice merges them)`, (v) => v.split(',').map((n) => n.trim()))
    .option('--discover-seed <n>', 'with --discover: the clustering seed (the same seed, the same clusters)', (v) => Number(v), 0);
}

function folderKey(folder: string): string {
  return createHash('sha256').update(folder).digest('hex').slice(0, 16);
}

function printDiscovery(d: Discovery, documents: number): void {
  console.log(`${documents} documents, ${d.k} clusters (k ${d.kRule === 'chosen' ? 'chosen' : 'suggested: sqrt(documents / 2), from 2 to 8; --k to choose'}), ${d.dims} SVD dimensions`);
  d.clusters.forEach((c, i) => {
    console.log(`cluster ${i + 1}: ${c.size} documents  top terms: ${c.topTerms.map(printable).join(', ')}`);
    for (const e of c.examples) console.log(`  ${printable(e.path)}: ${printable(e.title)}`);
  });
}

/** Cluster i's members under names[i]; dropped clusters left out, clusters of one name merged. */
function domainsOf(d: Discovery, names: readonly string[]): Map<string, string[]> {
  if (names.length !== d.clusters.length) {
    throw new GroveError('bad_input', `--names gives ${names.length} names for ${d.clusters.length} clusters: give one per cluster, in the order printed ("${DROP}" drops one).`, { names: names.length, clusters: d.clusters.length });
  }
  const domains = new Map<string, string[]>();
  names.forEach((name, i) => {
    if (name === DROP) return;
    domainNameArg(name);
    domains.set(name, [...(domains.get(name) ?? []), ...d.clusters[i]!.members]);
  });
  if (domains.size === 0) throw new GroveError('bad_input', `--names drops every cluster ("${DROP}"): name at least one.`);
  return domains;
}

/** A fresh folder of hard links (copies across file systems) to `members` of `folder`, at the same relative paths. */
function linkFolder(folder: string, members: readonly string[], to: string): void {
  rmSync(to, { recursive: true, force: true });
  for (const path of members) {
    const target = join(to, path);
    mkdirSync(dirname(target), { recursive: true });
    try {
      linkSync(join(folder, path), target);
    } catch {
      copyFileSync(join(folder, path), target);
    }
  }
}

export async function addDiscovered(home: string, folder: string, o: DiscoverOpts, expert: ExpertRequest): Promise<void> {
  const tokenizer = await tokenizerAt(forestTokenizerPath(home));
  const scratch = join(home, 'discover', folderKey(folder));
  const ingestDir = join(scratch, 'ingest');
  const line = new ProgressLine();
  try {
    await ingestFolder({ folder, out: ingestDir, tokenizer: corpusTokenizer(tokenizer), settings: { ignore: [...DEFAULT_IGNORE] }, onProgress: ingestProgress(line) });
  } finally {
    line.done();
  }
  const documents = await ingestedDocuments(ingestDir, (ids) => tokenizer.decode(ids));
  const discovery = discoverDomains(documents, { ...(o.k !== undefined ? { k: o.k } : {}), seed: o.discoverSeed });
  printDiscovery(discovery, documents.length);
  if (!o.names) {
    console.log('Name the clusters to grow their experts: `grove add <folder> --discover --names a,b,c` (same --k and --discover-seed).');
    return;
  }
  const domains = domainsOf(discovery, o.names);
  const service = jobRunningService(home);
  try {
    for (const [domain, members] of domains) {
      const linked = join(scratch, 'domains', domain);
      linkFolder(folder, members, linked);
      await addDomainWithExpert(service, home, linked, domain, expert);
    }
  } finally {
    service.close();
  }
  // Each cluster's expert is named as its domain (--discover takes no --name); chat can now route by the clusters.
  await saveClusterer(home, { clusterer: discovery.clusterer, experts: o.names.map((n) => (n === DROP ? null : n)) });
  console.log('Kept the clusterer with the forest: `grove chat --routing clusters` routes by it (c-BTM).');
}
