// One domain's everyday path through the service: ingest its folder, then branch, train and merge its expert
// (the expert job queued by the ingest's commit); prints the domain's verdict and the expert's init weights.
// Shared by `grove add --domain` and `grove add --discover --names`.
import type { GroveService } from '../app/api/service';
import { GroveError } from '../shared/api/errors';
import type { ApiInput } from '../shared/api/schemas';
import { printParents } from './print-forest';
import { runJob } from './run-job';

export type ExpertRequest = NonNullable<ApiInput<'addDomain'>['expert']>;

/** Ingests `folder` as `domain` and grows its expert (named `expert.name`, or as the domain) on this computer. */
export async function addDomainWithExpert(
  service: GroveService,
  home: string,
  folder: string,
  domain: string,
  expert: ExpertRequest,
): Promise<void> {
  const done = await runJob(service, () => service.addDomain({ folder, domain, expert, on: 'local' }), { followUps: true });
  const report = await service.domainReport({ domain });
  console.log(`${domain}: ${report.domain.stats?.message ?? ''}`);
  if (done.length < 2)
    throw new GroveError(
      'bad_input',
      `Domain "${domain}" cannot be trained on yet: ${report.domain.stats?.message ?? 'it has too little text.'}`,
      { domain },
    );
  printParents(home, expert.name ?? domain);
}
