// `grove import --from <model folder> --name NAME`: adds a model of the forest's lineage (same tokenizer).
import type { Command } from 'commander';
import { importIntoForest } from '../../app/store/init';
import { forestHomeOf, modelNameArg } from '../options';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description("add a model folder of the forest's lineage (same tokenizer) to the forest")
    .requiredOption('--from <folder>', 'model folder (config.json, safetensors)')
    .requiredOption('--name <name>', 'name of the model in the forest', modelNameArg)
    .action(async (o: { from: string; name: string }, cmd: Command) => {
      const r = await importIntoForest(forestHomeOf(cmd), o.from, o.name);
      console.log(`Imported "${o.name}" (model ${r.modelId}, weights ${r.weightsSha256.slice(0, 12)}).`);
    });
}
