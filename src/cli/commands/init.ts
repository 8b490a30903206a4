// `grove init --from <model folder>`: start a forest whose seed is an existing model.
import type { Command } from 'commander';
import { initForestFromModel } from '../../engine/store/init';
import { GroveError } from '../../shared/api/errors';
import { forestHomeOf } from '../options';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a forest from a model folder (config.json, safetensors, tokenizer.json): it becomes the seed')
    .option('--from <folder>', 'model folder to use as the seed')
    .option('--name <name>', 'forest name', 'forest')
    .option('--seed-name <name>', 'name of the seed model (default: the folder name)')
    .action(async (o: { from?: string; name: string; seedName?: string }, cmd: Command) => {
      if (!o.from) throw new GroveError('bad_input', 'Give the seed model: `grove init --from <model folder>` (training a seed from scratch comes with the training engine).');
      const home = forestHomeOf(cmd);
      const r = await initForestFromModel(home, o.from, { forestName: o.name, ...(o.seedName ? { seedName: o.seedName } : {}) });
      console.log(`Forest "${o.name}" in ${home}: seed "${r.seedName}" (${(r.parameters / 1e6).toFixed(2)} M parameters, weights ${r.weightsSha256.slice(0, 12)}).`);
      console.log('Next: grove ingest <folder> --domain NAME');
    });
}
