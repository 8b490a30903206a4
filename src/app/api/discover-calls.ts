// The service's domain discovery calls (schemas-discover.ts, issue 18): queue the discovery job (the folder
// ingested once, its documents clustered), read its clusters back, and grow one expert per domain the person
// made of them (named, merged, dropped). Each domain goes through the new-expert path of a single folder
// (ServiceJobs.ingestDomain, as addDomain), its ingest seeded from the discovery's so no file is read twice.
// On Slurm, the domains' experts go as one job array once all are ingested (kinds/ingest.ts).
// The clusterer is recorded in the catalog with the domain each cluster became (catalog/clusterers.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobView } from '../../shared/api/events';
import { GroveError } from '../../shared/api/errors';
import type { ApiInput } from '../../shared/api/schemas';
import type { TrainOn } from '../../shared/api/schemas-cluster';
import type { DiscoveryView } from '../../shared/api/schemas-discover';
import { DomainExpert } from '../../shared/api/schemas-forest';
import type { Catalog } from '../catalog/catalog';
import { insertClusterer } from '../catalog/clusterers';
import { loadClustererAt, saveClusterer } from '../forest/clusterer-store';
import type { DiscoverJobPayload } from '../store/discover-job';
import { linkMembers } from '../../engine/corpus/discover/link-members';
import { seedDomainIngest } from '../../engine/corpus/discover/seed-domain';
import { clustererFile, discoverDir, discoverIngestDir, discoveredDomainDir } from '../store/discover-dir';
import { domainDir } from '../store/domains';
import { forestTokenizerDir } from '../store/init';
import { assertExpertNameFree } from './kinds/ingest';
import { assertLightStartHasParents } from './expert-plan';
import { clusterDomainsOf, membersOf, requireDiscovery, storedDiscovery } from './discovered-domains';
import { jobView, type ServiceJobs } from './jobs';

export class DiscoverCalls {
  constructor(
    private readonly catalog: Catalog,
    private readonly forestHome: string,
    private readonly jobs: ServiceJobs,
  ) {}

  discoverDomains(input: ApiInput<'discoverDomains'>): JobView {
    const folder = this.jobs.paths.folder(input.folder);
    const tokenizer = join(forestTokenizerDir(this.forestHome), 'tokenizer.json');
    if (!existsSync(tokenizer))
      throw new GroveError('conflict', 'This forest has no tokenizer yet: create the forest first, then discover the domains of a folder.');
    const payload: DiscoverJobPayload = {
      folder,
      dir: discoverDir(this.forestHome, folder),
      tokenizer,
      ...(input.k !== undefined ? { k: input.k } : {}),
      seed: input.seed ?? 0,
    };
    return jobView(this.jobs.enqueueJob('discover', payload));
  }

  discovery(input: ApiInput<'discovery'>): DiscoveryView | null {
    const stored = storedDiscovery(this.forestHome, this.jobs.paths.folder(input.folder));
    if (!stored) return null;
    const { members: _members, ...view } = stored;
    return view;
  }

  /** `on`: where the experts train, resolved by the caller (ClusterCalls.trainOn: as asked, else the forest's setting). */
  async growDiscovered(input: ApiInput<'growDiscovered'>, on: TrainOn = 'local'): Promise<JobView[]> {
    const folder = this.jobs.paths.folder(input.folder);
    const stored = requireDiscovery(this.forestHome, folder);
    const forest = this.catalog.forest();
    if (!forest) throw new GroveError('conflict', 'There is no forest yet: create one first.');
    const clusterDomain = clusterDomainsOf(stored, input.domains);
    const expert = DomainExpert.parse(input.expert ?? {});
    assertLightStartHasParents(this.catalog, expert.init, expert.light);
    for (const d of input.domains) {
      assertExpertNameFree(this.catalog, d.name);
      if (this.catalog.domains(forest.id).some((row) => row.name === d.name))
        throw new GroveError('conflict', `The forest already has a domain named "${d.name}"; choose another name.`, { domain: d.name });
    }
    const dir = discoverDir(this.forestHome, folder);
    const queued: JobView[] = [];
    const together = on === 'slurm' ? input.domains.map((d) => d.name) : undefined;
    for (const d of input.domains) {
      const members = membersOf(stored, d);
      const linked = discoveredDomainDir(dir, d.name);
      linkMembers(folder, members, linked);
      await seedDomainIngest(discoverIngestDir(dir), members, domainDir(this.forestHome, d.name));
      queued.push(this.jobs.ingestDomain(linked, d.name, expert, on, together));
    }
    // Recorded once every domain is queued: a refusal above leaves no clusterer naming domains that never came.
    insertClusterer(this.catalog, forest.id, { folder, file: clustererFile(dir), domains: clusterDomain });
    // Routing reads the forest's clusterer: this discovery's, each cluster naming the expert its domain grows (named as the domain).
    const discovered = loadClustererAt(dir);
    if (!discovered)
      throw new GroveError(
        'conflict',
        `The discovery of ${folder} has lost its clusterer (${clustererFile(dir)}); discover the folder again.`,
        { folder },
      );
    await saveClusterer(this.forestHome, { clusterer: discovered.clusterer, experts: clusterDomain });
    return queued;
  }
}
