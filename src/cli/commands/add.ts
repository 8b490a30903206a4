// `grove add <folder> --domain NAME`: the everyday path in one command: ingest the folder as a domain,
// then branch a new expert from the forest, train it on the domain and merge it (btm.md's four operations).
// Both steps are asked for at once: the expert job is queued by the ingest's own commit, so a kill between
// them loses nothing (a second `grove add` then names the job to resume).
// `grove add <folder> --discover` finds the domains in an unlabelled folder instead (add-discover.ts), on Slurm too.
// Several folders, or `--on slurm` (the forest's "Train on" setting by default): one domain and expert each; on Slurm
// their experts are trained as one job array (add-slurm.ts). No folder: one more expert on each ingested domain
// of --domain (add-ingested.ts), here or on Slurm.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { budgetOptions, expertBudgetOf, deviceOf, type BudgetOpts, type DeviceOpts } from '../budget';
import { DEFAULT_BRANCH_TOP_K } from '../../shared/api/defaults';
import { GroveError } from '../../shared/api/errors';
import { lightOf, lightOptions, type LightOpts } from '../light-options';
import { domainNameArg, forestHomeOf, modelNameArg } from '../options';
import { addDomainWithExpert, type ExpertRequest } from '../add-domain';
import { addExpertsToIngested } from '../add-ingested';
import { addOnSlurm } from '../add-slurm';
import { jobRunningService } from '../run-job';
import { addDiscovered, discoverOptions, type DiscoverOpts } from './add-discover';

interface AddOpts extends BudgetOpts, DeviceOpts, LightOpts, DiscoverOpts {
  domain?: string[];
  on?: 'local' | 'slurm';
  name?: string;
  init: 'posterior' | 'seed' | 'nearest';
  topK: number;
}

export function registerAdd(program: Command): void {
  discoverOptions(
    budgetOptions(
      lightOptions(
        program
          .command('add')
          .description('ingest a folder as a domain, then branch, train and merge an expert on it')
          .argument(
            '[folder...]',
            'the folder of documents (never modified); several: one domain and expert each; none: a new expert on each ingested domain of --domain',
          )
          .option(
            '--domain <names>',
            'domain name (letters, digits, ".", "-", "_"), one per folder, comma-separated; required unless --discover',
            (v: string) => v.split(',').map(domainNameArg),
          )
          .option(
            '--on <where>',
            "where the expert trains: local (this computer) or slurm (the cluster of `grove slurm config`); default: the forest's setting",
            (v: string) => {
              if (v !== 'local' && v !== 'slurm') throw new GroveError('bad_input', `--on is local or slurm, not ${JSON.stringify(v)}.`);
              return v;
            },
          )
          .option('--name <name>', "the expert's name (default: the domain's)", modelNameArg)
          .option('--init <kind>', 'posterior (average of the most likely experts), seed, or nearest', 'posterior')
          .option('--top-k <k>', 'posterior init: average this many experts', (v) => Number(v), DEFAULT_BRANCH_TOP_K),
      ),
      { passes: true },
    ),
  ).action(async (folders: string[], o: AddOpts, cmd: Command) => {
    const home = forestHomeOf(cmd);
    if (!o.discover && !o.domain)
      throw new GroveError(
        'bad_input',
        folders.length === 0
          ? 'Give a folder to add as a domain (`grove add <folder> --domain NAME`), or `grove add --domain NAME` alone for one more expert on a domain ingested before.'
          : 'Name the domain (`grove add <folder> --domain NAME`), or let Grove find the domains in the folder with --discover.',
      );
    if (o.discover && (o.domain || o.name))
      throw new GroveError(
        'bad_input',
        '--discover names its domains with --names a,b,c (one per cluster, in the order printed); leave out --domain and --name.',
      );
    if (o.discover && folders.length !== 1)
      throw new GroveError(
        'bad_input',
        `--discover reads one folder (${folders.length} given): \`grove add <folder> --discover\`; add others with their own \`grove add\`.`,
      );
    if (o.domain && folders.length > 0 && o.domain.length !== folders.length)
      throw new GroveError(
        'bad_input',
        `Name one domain per folder: ${folders.length} folder(s), ${o.domain.length} name(s) in --domain (comma-separated, in the folders' order).`,
      );
    if (o.name && Math.max(folders.length, o.domain?.length ?? 0) > 1)
      throw new GroveError('bad_input', '--name names one expert; with several domains each expert is named as its domain.');
    const budget = expertBudgetOf(o);
    const light = lightOf(o);
    const expert: ExpertRequest = {
      init: o.init,
      topK: o.topK,
      ...deviceOf(o),
      ...(budget ? { budget } : {}),
      ...(light ? { light } : {}),
    };
    if (o.discover) return addDiscovered(home, resolve(folders[0]!), o, expert, o.on);
    const service = jobRunningService(home);
    try {
      const on = o.on ?? (await service.clusterSettings({})).trainOn;
      const named = { ...expert, ...(o.name ? { name: o.name } : {}) };
      if (folders.length === 0) return await addExpertsToIngested(service, home, o.domain!, named, on);
      const pairs = folders.map((folder, i) => ({ folder: resolve(folder), domain: o.domain![i]! }));
      if (on === 'slurm') return await addOnSlurm(service, home, pairs, named);
      for (const { folder, domain } of pairs) await addDomainWithExpert(service, home, folder, domain, named);
    } finally {
      service.close();
    }
  });
}
