// What growing each domain made of a discovery's clusters will take (issue 18): the new-expert flow's estimate
// (training-estimate.ts: disk, peak memory and time, full and light) for every domain, before any is ingested.
// Its training tokens come from the discovery's ingest, split as the domain's ingest will split them.
import type { ApiParsedInput } from '../../shared/api/schemas';
import type { TrainingEstimate } from '../../shared/api/schemas-estimate';
import type { Catalog } from '../catalog/catalog';
import { discoveredTrainTokens } from '../../engine/corpus/discover/domain-tokens';
import type { MachineMemory } from '../../engine/machine-memory';
import { discoverDir, discoverIngestDir } from '../store/discover-dir';
import { clusterDomainsOf, membersOf, requireDiscovery } from './discovered-domains';
import { plannedTraining } from './expert-plan';
import { estimateOf } from './training-estimate';

export async function discoveredEstimates(
  catalog: Catalog,
  home: string,
  folder: string,
  input: ApiParsedInput<'discoveredEstimate'>,
  machine: MachineMemory,
): Promise<TrainingEstimate[]> {
  const stored = requireDiscovery(home, folder);
  clusterDomainsOf(stored, input.domains);
  const ingest = discoverIngestDir(discoverDir(home, folder));
  const out: TrainingEstimate[] = [];
  for (const domain of input.domains) {
    const trainTokens = await discoveredTrainTokens(ingest, membersOf(stored, domain));
    // As trainingEstimate: the full settings, since a light expert's differ in the learning rate alone.
    const t = plannedTraining(catalog, trainTokens, input.budget, input, false);
    out.push(estimateOf(catalog, home, { ...t, name: domain.name }, input, machine));
  }
  return out;
}
