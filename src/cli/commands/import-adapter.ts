// `grove import-adapter --from <PEFT adapter folder> --name NAME [--base MODEL] [--domain NAME]`: a LoRA adapter
// trained with PEFT (or exported by Grove) becomes a light expert over a full model of the forest, the seed
// unless --base names another; checked against that base first (the same call as the API's importAdapter).
import type { Command } from 'commander';
import { formatBytes } from '../../engine/hub/curated';
import { domainNameArg, modelNameArg } from '../options';
import { withService } from '../with-service';

export function registerImportAdapter(program: Command): void {
  program
    .command('import-adapter')
    .description('add a PEFT LoRA adapter folder as a light expert over a full model of the forest (the seed by default)')
    .requiredOption('--from <folder>', 'PEFT adapter folder (adapter_config.json, adapter_model.safetensors)')
    .requiredOption('--name <name>', 'name of the light expert in the forest', modelNameArg)
    .option('--base <model>', 'the full model of the forest the adapter was trained on (default: the seed)')
    .option('--domain <name>', 'the domain of the forest the expert is for', domainNameArg)
    .action((o: { from: string; name: string; base?: string; domain?: string }, cmd: Command) =>
      withService(cmd, async (s) => {
        const r = await s.importAdapter({
          folder: o.from,
          name: o.name,
          ...(o.base !== undefined ? { base: o.base } : {}),
          ...(o.domain !== undefined ? { domain: o.domain } : {}),
        });
        const domain = r.domain ? `, domain ${r.domain}` : '';
        console.log(
          `Imported "${r.name}" (model ${r.modelId}): a light expert over "${r.base}"${domain}; rank ${r.rank}, alpha ${r.alpha}, ${r.targets.join(', ')}; ${formatBytes(r.bytes)}.`,
        );
        console.log(`Its adapter_config.json names the model it was trained on: ${r.trainedOn}`);
      }),
    );
}
