// `grove collapse --name NAME`: one model from several by weighted parameter average (btm.md "Collapse"):
// posterior weights on a target (the paper's best: --posterior-on DOMAIN or --target; the mix of every
// domain when no weighting is named), --weights, or --uniform; `--method` merges the weighted models another way
// (task arithmetic, TIES, DARE over the seed; SLERP of two); `--light` keeps light experts over one base light;
// `--try-methods` first scores every method on held-out text of the target and prints the table, then (with --name)
// collapses with the best.
import type { Command } from 'commander';
import { mergeMethodViews } from '../../engine/forest/merge/registry';
import { DEFAULT_COLLAPSE_TARGET } from '../../shared/api/defaults';
import { GroveError } from '../../shared/api/errors';
import { MERGE_METHOD_NAMES, type MergeMethodName, type MergeSettings } from '../../shared/api/merge-methods';
import type { CollapseWeightingInput } from '../../shared/api/schemas-forest';
import { forestHomeOf, modelNameArg } from '../options';
import { printCollapseTrial } from '../print-collapse-trial';
import { printParents } from '../print-forest';
import { jobRunningService, runJob } from '../run-job';

interface CollapseOpts {
  models?: string[];
  name?: string;
  tryMethods?: boolean;
  weights?: string[];
  posteriorOn?: string;
  target?: string;
  uniform?: boolean;
  method: string;
  density?: number;
  t?: number;
  normalize?: string;
  seed?: number;
  light?: boolean;
}

/** One line per method and setting, for --help. */
function methodsHelp(): string {
  return mergeMethodViews()
    .map(
      (m) =>
        `  ${m.name}: ${m.description}${m.settings.length ? '\n' + m.settings.map((s) => `      --${s.name}: ${s.description}${s.default !== null ? ` (default ${String(s.default)})` : ''}`).join('\n') : ''}`,
    )
    .join('\n');
}

const num = (v: string) => Number(v);

export function registerCollapse(program: Command): void {
  program
    .command('collapse')
    .description(
      "average models into one: posterior weights on a target (the paper's best; default: the mix of every domain), or --weights, or --uniform",
    )
    .option('--models <model...>', 'models of the forest to average (default: every trained expert)')
    .option('--name <name>', 'name of the new model (required unless --try-methods is given alone)', modelNameArg)
    .option('--posterior-on <domain>', 'weights = the cached prior of the models on this domain')
    .option('--target <target>', 'weights = the cached prior on a target: domain:NAME, folder:PATH or mix (the default)')
    .option('--weights <w...>', 'manual weights, one per --models entry (renormalised)')
    .option('--uniform', 'equal weights (worst in the paper; offered for comparison)')
    .option('--method <name>', `how the weighted models become one: ${MERGE_METHOD_NAMES.join(', ')}`, 'linear')
    .option('--density <share>', 'ties, dare_*: the share of each task vector kept (0-1)', num)
    .option('--t <share>', 'slerp: how far from the first model towards the second (0-1, default 0.5)', num)
    .option('--normalize <yes|no>', 'divide by the weights that took part (each method has its default)')
    .option('--seed <n>', "dare_*: the random drop's seed (the same seed gives the same model)", num)
    .option('--light', 'keep it light: light experts over one base become one light model over it (their adapters concatenated, exact)')
    .option(
      '--try-methods',
      "merge the models with every method that takes them, score each on 16384 held-out tokens of the target (the weights' target, else the mix) and print the perplexities; with --name, then collapse with the best",
    )
    .addHelpText('after', `\nMerge methods:\n${methodsHelp()}`)
    .action(async (o: CollapseOpts, cmd: Command) => {
      if (o.name === undefined && !o.tryMethods)
        throw new GroveError(
          'bad_input',
          'Name the new model: --name NAME (or give --try-methods alone to compare the merge methods first).',
        );
      if (o.tryMethods && cmd.getOptionValueSource('method') === 'cli')
        throw new GroveError(
          'bad_input',
          '--try-methods picks the method (the one of lowest perplexity); leave out --method, or leave out --try-methods.',
        );
      if (!(MERGE_METHOD_NAMES as readonly string[]).includes(o.method))
        throw new GroveError('bad_input', `--method must be one of ${MERGE_METHOD_NAMES.join(', ')}, not ${JSON.stringify(o.method)}.`);
      if (o.normalize !== undefined && !['yes', 'no'].includes(o.normalize))
        throw new GroveError('bad_input', `--normalize must be yes or no, not ${JSON.stringify(o.normalize)}.`);
      const settings = {
        ...(o.density !== undefined ? { density: o.density } : {}),
        ...(o.t !== undefined ? { t: o.t } : {}),
        ...(o.normalize !== undefined ? { normalize: o.normalize === 'yes' } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
      };
      const chosen = [o.posteriorOn !== undefined, o.target !== undefined, o.weights !== undefined, o.uniform === true].filter(
        Boolean,
      ).length;
      if (chosen > 1)
        throw new GroveError(
          'bad_input',
          'Choose one weighting: --posterior-on DOMAIN, --target TARGET, --weights w1 w2 ..., or --uniform (none: posterior weights on the mix).',
        );
      let weighting: CollapseWeightingInput;
      if (o.uniform) weighting = { kind: 'uniform' };
      else if (o.weights) {
        if (!o.models || o.models.length !== o.weights.length)
          throw new GroveError('bad_input', `Give one weight per model: ${o.models?.length ?? 0} --models, ${o.weights.length} --weights.`);
        weighting = { kind: 'manual', weights: Object.fromEntries(o.models.map((m, i) => [m, Number(o.weights![i])])) };
      } else
        weighting = {
          kind: 'posterior',
          target: o.target ?? (o.posteriorOn !== undefined ? `domain:${o.posteriorOn}` : DEFAULT_COLLAPSE_TARGET),
        };
      const home = forestHomeOf(cmd);
      const service = jobRunningService(home);
      const models = o.models ? { models: o.models } : {};
      try {
        let method = o.method as MergeMethodName;
        let chosenSettings: MergeSettings = settings;
        if (o.tryMethods) {
          const [job] = await runJob(service, () => service.tryCollapseMethods({ ...models, weighting }));
          const trial = await service.collapseTrial({ jobId: job!.id });
          if (!trial)
            throw new GroveError('internal', `The trial of the merge methods (job ${job!.id}) finished without its numbers; run it again.`);
          printCollapseTrial(trial);
          if (o.name === undefined) return;
          method = trial.best;
          chosenSettings = trial.rows.find((r) => r.method === trial.best)!.settings;
        }
        const name = o.name!;
        await runJob(service, () =>
          service.collapse({
            name,
            ...models,
            weighting,
            method,
            settings: chosenSettings,
            ...(o.light ? { keep: 'light' as const } : {}),
          }),
        );
        printParents(home, name);
      } finally {
        service.close();
      }
    });
}
