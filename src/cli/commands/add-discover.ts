// `grove add <folder> --discover [--k K] [--names a,b,c]`: domains found in an unlabelled folder (c-BTM), through
// the service calls the app uses (schemas-discover.ts): the discovery job ingests the folder once into the forest
// home ($GROVE_HOME/discover/<folder key>/, incremental: a second run reads only changed files) and clusters its
// documents; the clusters are printed for the person to name. With --names, cluster i becomes domain names[i]
// ("-" drops a cluster, a name given twice merges its clusters) and growDiscovered grows each domain's expert as
// `grove add` does, its ingest seeded from the discovery's (no file read twice).
import type { Command } from 'commander';
import { printable } from '../../engine/corpus/report';
import { GroveError } from '../../shared/api/errors';
import type { TrainOn } from '../../shared/api/schemas-cluster';
import type { DiscoveredDomain, DiscoveryView } from '../../shared/api/schemas-discover';
import { domainNameArg } from '../options';
import { printParents } from '../print-forest';
import { jobRunningService, runJob } from '../run-job';
import type { ExpertRequest } from '../add-domain';

export interface DiscoverOpts {
  discover?: boolean;
  k?: number;
  names?: string[];
  discoverSeed: number;
}

const DROP = '-';

export function discoverOptions(command: Command): Command {
  return command
    .option(
      '--discover',
      'find the domains in the folder (TF-IDF, truncated SVD, balanced k-means) and print them; with --names, grow one expert per domain',
    )
    .option('--k <k>', 'with --discover: how many clusters (default: sqrt(documents / 2), from 2 to 8)', (v) => Number(v))
    .option(
      '--names <a,b,c>',
      `with --discover: a domain name per cluster, in the order printed ("${DROP}" drops one, a name twice merges them)`,
      (v) => v.split(',').map((n) => n.trim()),
    )
    .option('--discover-seed <n>', 'with --discover: the clustering seed (the same seed, the same clusters)', (v) => Number(v), 0);
}

function printDiscovery(d: DiscoveryView): void {
  console.log(
    `${d.documents} documents, ${d.k} clusters (k ${d.kRule === 'chosen' ? 'chosen' : 'suggested: sqrt(documents / 2), from 2 to 8; --k to choose'}), ${d.dims} SVD dimensions`,
  );
  d.clusters.forEach((c, i) => {
    console.log(`cluster ${i + 1}: ${c.size} documents, ${c.tokens} tokens  top terms: ${c.topTerms.map(printable).join(', ')}`);
    for (const e of c.examples) console.log(`  ${printable(e.path)}: ${printable(e.title)}`);
  });
}

/** The domains named by --names: cluster i under names[i]; "-" left out, clusters of one name merged. */
export function domainsOfNames(clusters: number, names: readonly string[]): DiscoveredDomain[] {
  if (names.length !== clusters) {
    throw new GroveError(
      'bad_input',
      `--names gives ${names.length} names for ${clusters} clusters: give one per cluster, in the order printed ("${DROP}" drops one).`,
      { names: names.length, clusters },
    );
  }
  const domains = new Map<string, number[]>();
  names.forEach((name, i) => {
    if (name === DROP) return;
    domainNameArg(name);
    domains.set(name, [...(domains.get(name) ?? []), i]);
  });
  if (domains.size === 0) throw new GroveError('bad_input', `--names drops every cluster ("${DROP}"): name at least one.`);
  return [...domains].map(([name, members]) => ({ name, clusters: members }));
}

/** `on`: where the experts train, the forest's "Train on" setting when not given; on Slurm, as one job array. */
export async function addDiscovered(home: string, folder: string, o: DiscoverOpts, expert: ExpertRequest, on?: TrainOn): Promise<void> {
  const service = jobRunningService(home);
  try {
    await runJob(service, () => service.discoverDomains({ folder, ...(o.k !== undefined ? { k: o.k } : {}), seed: o.discoverSeed }));
    const discovery = await service.discovery({ folder });
    if (!discovery) throw new GroveError('internal', `The discovery of ${folder} finished but left no clusters to read.`);
    printDiscovery(discovery);
    if (!o.names) {
      console.log('Name the clusters to grow their experts: `grove add <folder> --discover --names a,b,c` (same --k and --discover-seed).');
      return;
    }
    const domains = domainsOfNames(discovery.clusters.length, o.names);
    const done = await runJob(service, async () => (await service.growDiscovered({ folder, domains, expert, ...(on ? { on } : {}) }))[0]!, {
      followUps: true,
    });
    const slurm = done.find((j) => j.kind === 'slurm-expert');
    if (slurm) console.log(`trained on Slurm and merged (job ${slurm.id}): ${domains.map((d) => d.name).join(', ')}`);
    for (const { name } of domains) {
      const report = await service.domainReport({ domain: name });
      console.log(`${name}: ${report.domain.stats?.message ?? ''}`);
      printParents(home, name);
    }
  } finally {
    service.close();
  }
  if (o.names) console.log('Kept the clusterer with the forest: `grove chat --routing clusters` routes by it (c-BTM).');
}
