// `grove add <folder> --domain NAME`: the everyday path in one command: ingest the folder as a domain,
// then branch a new expert from the forest, train it on the domain and merge it (btm.md's four operations).
// Both steps are asked for at once: the expert job is queued by the ingest's own commit, so a kill between
// them loses nothing (a second `grove add` then names the job to resume).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { budgetOf, budgetOptions, deviceOf, type BudgetOpts, type DeviceOpts } from '../budget';
import { GroveError } from '../../shared/api/errors';
import { lightOf, lightOptions, type LightOpts } from '../light-options';
import { domainNameArg, forestHomeOf, modelNameArg } from '../options';
import { printParents } from '../print-forest';
import { jobRunningService, runJob } from '../run-job';

interface AddOpts extends BudgetOpts, DeviceOpts, LightOpts {
  domain: string;
  name?: string;
  init: 'posterior' | 'seed' | 'nearest';
  topK: number;
}

export function registerAdd(program: Command): void {
  budgetOptions(
    lightOptions(program
      .command('add')
      .description('ingest a folder as a domain, then branch, train and merge an expert on it')
      .argument('<folder>', 'the folder of documents (never modified)')
      .requiredOption('--domain <name>', 'domain name (letters, digits, ".", "-", "_")', domainNameArg)
      .option('--name <name>', "the expert's name (default: the domain's)", modelNameArg)
      .option('--init <kind>', 'posterior (average of the most likely experts), seed, or nearest', 'posterior')
      .option('--top-k <k>', 'posterior init: average this many experts', (v) => Number(v), 2)),
  ).action(async (folder: string, o: AddOpts, cmd: Command) => {
    const home = forestHomeOf(cmd);
    const service = jobRunningService(home);
    try {
      const budget = budgetOf(o);
      const light = lightOf(o);
      const expert = { ...(o.name ? { name: o.name } : {}), init: o.init, topK: o.topK, ...deviceOf(o), ...(budget ? { budget } : {}), ...(light ? { light } : {}) };
      const done = await runJob(service, () => service.addDomain({ folder: resolve(folder), domain: o.domain, expert }), { followUps: true });
      const report = await service.domainReport({ domain: o.domain });
      console.log(`${o.domain}: ${report.domain.stats?.message ?? ''}`);
      if (done.length < 2) throw new GroveError('bad_input', `Domain "${o.domain}" cannot be trained on yet: ${report.domain.stats?.message ?? 'it has too little text.'}`, { domain: o.domain });
      printParents(home, o.name ?? o.domain);
    } finally {
      service.close();
    }
  });
}
