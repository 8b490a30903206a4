// `grove remove NAME` (take a model out of the forest; files kept), `grove gc` (delete what nothing needs),
// `grove show [NAME]` and `grove lineage`: the forest's upkeep and inspection.
import type { Command } from 'commander';
import { forestHomeOf } from '../options';
import { printForest, printLineage, printModel } from '../print-forest';
import { withService } from '../with-service';

export function registerMaintenance(program: Command): void {
  program
    .command('remove')
    .description('take a model out of the forest (its files stay until `grove gc`)')
    .argument('<model>', 'model name or id')
    .action((model: string, _o: unknown, cmd: Command) =>
      withService(cmd, async (s) => {
        const { removed } = await s.removeModel({ model });
        console.log(`Removed "${removed}" from the forest; \`grove gc\` deletes its files.`);
      }),
    );
  program
    .command('gc')
    .description('delete weights of removed models, finished runs and half-written files')
    .action((_o: unknown, cmd: Command) =>
      withService(cmd, async (s) => {
        const { files, bytes } = await s.gc({});
        console.log(`Deleted ${files} file(s), ${(bytes / 2 ** 20).toFixed(1)} MiB.`);
      }),
    );
  program
    .command('show')
    .description(
      "a model in full: shape, weights, lineage, runs, evaluations, the ensembles it was scored in; without a model, the forest's ensemble evaluations (cluster-routed ones labelled, as the app's heatmap rows)",
    )
    .argument('[model]', 'model name or id')
    .action((model: string | undefined, _o: unknown, cmd: Command) =>
      model === undefined ? printForest(forestHomeOf(cmd)) : printModel(forestHomeOf(cmd), model),
    );
  program
    .command('lineage')
    .description('who was branched or collapsed from whom, with the weights')
    .action((_o: unknown, cmd: Command) => printLineage(forestHomeOf(cmd)));
}
