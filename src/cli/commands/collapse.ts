// `grove collapse --models A B ... --name NAME`: one model from several by weighted parameter average.
import type { Command } from 'commander';
import { collapseModels, type CollapseWeighting } from '../../engine/store/collapse';
import { GroveError } from '../../shared/api/errors';
import { forestHomeOf } from '../options';

interface CollapseOpts {
  models: string[];
  name: string;
  weights?: string[];
  posteriorOn?: string;
  uniform?: boolean;
  priorSequences: number;
}

export function registerCollapse(program: Command): void {
  program
    .command('collapse')
    .description('average models into one (default: posterior weights on a domain, the paper\'s best; or --weights, or --uniform)')
    .requiredOption('--models <model...>', 'models of the forest to average')
    .requiredOption('--name <name>', 'name of the new model')
    .option('--posterior-on <domain>', 'weights = the cached prior of the models on this domain')
    .option('--weights <w...>', 'manual weights, one per model (renormalised)')
    .option('--uniform', 'equal weights (worst in the paper; offered for comparison)')
    .option('--prior-sequences <n>', 'held-out windows read for the posterior weights', (v) => Number(v), 100)
    .action(async (o: CollapseOpts, cmd: Command) => {
      const chosen = [o.posteriorOn !== undefined, o.weights !== undefined, o.uniform === true].filter(Boolean).length;
      if (chosen !== 1) throw new GroveError('bad_input', 'Choose one weighting: --posterior-on DOMAIN, --weights w1 w2 ..., or --uniform.');
      const weighting: CollapseWeighting = o.uniform
        ? { kind: 'uniform' }
        : o.weights
          ? { kind: 'manual', weights: o.weights.map(Number) }
          : { kind: 'posterior', domain: o.posteriorOn as string, sequences: o.priorSequences };
      const r = await collapseModels(forestHomeOf(cmd), o.models, weighting, o.name);
      console.log(`Collapsed into "${r.name}" (model ${r.modelId}, weights ${r.weightsSha256.slice(0, 12)}):`);
      for (const p of r.parents) console.log(`  ${p.weight.toFixed(4)}  ${p.name}`);
    });
}
