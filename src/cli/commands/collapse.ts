// `grove collapse --name NAME`: one model from several by weighted parameter average (btm.md "Collapse"):
// posterior weights on a target (the paper's best: --posterior-on DOMAIN or --target; the mix of every
// domain when no weighting is named), --weights, or --uniform.
import type { Command } from 'commander';
import { GroveError } from '../../shared/api/errors';
import type { CollapseWeightingInput } from '../../shared/api/schemas-forest';
import { forestHomeOf, modelNameArg } from '../options';
import { printParents } from '../print-forest';
import { jobRunningService, runJob } from '../run-job';

interface CollapseOpts {
  models?: string[];
  name: string;
  weights?: string[];
  posteriorOn?: string;
  target?: string;
  uniform?: boolean;
}

export function registerCollapse(program: Command): void {
  program
    .command('collapse')
    .description("average models into one: posterior weights on a target (the paper's best; default: the mix of every domain), or --weights, or --uniform")
    .option('--models <model...>', 'models of the forest to average (default: every trained expert)')
    .requiredOption('--name <name>', 'name of the new model', modelNameArg)
    .option('--posterior-on <domain>', 'weights = the cached prior of the models on this domain')
    .option('--target <target>', 'weights = the cached prior on a target: domain:NAME, folder:PATH or mix (the default)')
    .option('--weights <w...>', 'manual weights, one per --models entry (renormalised)')
    .option('--uniform', 'equal weights (worst in the paper; offered for comparison)')
    .action(async (o: CollapseOpts, cmd: Command) => {
      const chosen = [o.posteriorOn !== undefined, o.target !== undefined, o.weights !== undefined, o.uniform === true].filter(Boolean).length;
      if (chosen > 1) throw new GroveError('bad_input', 'Choose one weighting: --posterior-on DOMAIN, --target TARGET, --weights w1 w2 ..., or --uniform (none: posterior weights on the mix).');
      let weighting: CollapseWeightingInput;
      if (o.uniform) weighting = { kind: 'uniform' };
      else if (o.weights) {
        if (!o.models || o.models.length !== o.weights.length) throw new GroveError('bad_input', `Give one weight per model: ${o.models?.length ?? 0} --models, ${o.weights.length} --weights.`);
        weighting = { kind: 'manual', weights: Object.fromEntries(o.models.map((m, i) => [m, Number(o.weights![i])])) };
      } else weighting = { kind: 'posterior', target: o.target ?? (o.posteriorOn !== undefined ? `domain:${o.posteriorOn}` : 'mix') };
      const home = forestHomeOf(cmd);
      const service = jobRunningService(home);
      try {
        await runJob(service, () => service.collapse({ name: o.name, ...(o.models ? { models: o.models } : {}), weighting }));
        printParents(home, o.name);
      } finally {
        service.close();
      }
    });
}
