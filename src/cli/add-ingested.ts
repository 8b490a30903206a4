// `grove add --domain a,b` with no folder: one more expert on each domain ingested before (a second expert for a
// domain, one whose first run failed, or one sent to Slurm after the domain was ingested here), branched, trained
// and merged on this computer, or on the Slurm cluster as one job array, as `grove add <folder>` would.
import type { GroveService } from '../app/api/service';
import { GroveError } from '../shared/api/errors';
import type { ExpertRequest } from './add-domain';
import { printParents } from './print-forest';
import { runJob } from './run-job';

export async function addExpertsToIngested(
  service: GroveService,
  home: string,
  domains: readonly string[],
  expert: ExpertRequest,
  on: 'local' | 'slurm',
): Promise<void> {
  const ingested = new Set((await service.forestSummary({})).domains.map((d) => d.name));
  const missing = domains.filter((d) => !ingested.has(d));
  if (missing.length > 0)
    throw new GroveError(
      'not_found',
      `No domain ${missing.map((d) => JSON.stringify(d)).join(', ')} in this forest: add its folder with \`grove add <folder> --domain ${missing[0]}\`.`,
      { domains: missing },
    );
  const experts = domains.map((domain) => ({ ...expert, domain }));
  if (on === 'slurm') {
    const [job] = await runJob(service, () => service.trainOnSlurm({ experts }));
    console.log(`trained on Slurm and merged (job ${job!.id}): ${domains.join(', ')}`);
  } else for (const e of experts) await runJob(service, () => service.trainExpert({ ...e, on: 'local' }));
  for (const e of experts) printParents(home, e.name ?? e.domain);
}
