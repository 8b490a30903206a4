// `grove branch --domain NAME`: a new expert's init alone (btm.md "Branch"): the posterior-weighted average of
// the most likely experts on the domain's data (weights printed), a copy of the seed, or of the nearest expert.
// `grove train --model NAME` trains it afterwards.
import type { Command } from 'commander';
import { lightOf, lightOptions, type LightOpts } from '../light-options';
import { domainNameArg, forestHomeOf, modelNameArg } from '../options';
import { printParents } from '../print-forest';
import { jobRunningService, runJob } from '../run-job';

export function registerBranch(program: Command): void {
  lightOptions(
    program
      .command('branch')
      .description("make a new expert's init for an ingested domain, without training it")
      .requiredOption('--domain <name>', 'the domain the expert is for', domainNameArg)
      .option('--name <name>', "the expert's name (default: the domain's)", modelNameArg)
      .option('--init <kind>', 'posterior (average of the most likely experts), seed, or nearest', 'posterior')
      .option('--top-k <k>', 'posterior init: average this many experts', (v) => Number(v), 2),
  ).action(async (o: LightOpts & { domain: string; name?: string; init: 'posterior' | 'seed' | 'nearest'; topK: number }, cmd: Command) => {
    const home = forestHomeOf(cmd);
    const service = jobRunningService(home);
    try {
      const light = lightOf(o);
      await runJob(service, () =>
        service.trainExpert({
          domain: o.domain,
          ...(o.name ? { name: o.name } : {}),
          init: o.init,
          topK: o.topK,
          branchOnly: true,
          ...(light ? { light } : {}),
        }),
      );
      printParents(home, o.name ?? o.domain);
      console.log(`Next: grove train --model ${o.name ?? o.domain}`);
    } finally {
      service.close();
    }
  });
}
