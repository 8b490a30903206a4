// `grove add <folder> [<folder> ...] --domain a,b --on slurm`: each folder ingested here as its domain, then one
// expert per domain sent to the Slurm cluster of the forest's settings (`grove slurm config`): their bundles
// written into the shared folder and submitted as one job array, followed by a job of the forest's queue that
// merges each expert when its Slurm task finishes. Ctrl-C pauses the following (the Slurm jobs keep running);
// `grove jobs resume ID` follows them again, and resubmits a task that ended unfinished (it resumes from its
// bundle's last checkpoint).
import type { GroveService } from '../app/api/service';
import type { ExpertRequest } from './add-domain';
import { printParents } from './print-forest';
import { runJob } from './run-job';

export async function addOnSlurm(
  service: GroveService,
  home: string,
  folders: readonly { folder: string; domain: string }[],
  expert: ExpertRequest,
): Promise<void> {
  for (const { folder, domain } of folders) {
    await runJob(service, () => service.addDomain({ folder, domain }));
    const report = await service.domainReport({ domain });
    console.log(`${domain}: ${report.domain.stats?.message ?? ''}`);
  }
  const experts = folders.map(({ domain }) => ({
    ...expert,
    domain,
    ...(folders.length === 1 && expert.name ? { name: expert.name } : {}),
  }));
  const [job] = await runJob(service, () => service.trainOnSlurm({ experts }));
  console.log(`trained on Slurm and merged (job ${job!.id}): ${folders.map((f) => f.domain).join(', ')}`);
  for (const e of experts) printParents(home, e.name ?? e.domain);
}
