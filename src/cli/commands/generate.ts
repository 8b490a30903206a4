// `grove generate --model A [B ...] "prompt"`: continues a prompt with one model, or with an ensemble of
// experts (btm.md "Use the forest": their mixture under the domain posterior, or fixed --weights),
// streaming the text. A model is a Hugging Face-style folder (config.json, model.safetensors, tokenizer.json)
// or the name of a model in the forest.
import type { Command } from 'commander';
import { ModelPool } from '../../app/infer/model-pool';
import { runReply } from '../../app/infer/reply';
import { GroveError } from '../../shared/api/errors';
import { DEFAULT_REPLY_TOKENS } from '../../shared/api/defaults';
import { forestHomeOf } from '../options';
import { addMixOptions, formatWeights, mixSpecFromOptions, quantOf, resolveCliMix, samplingOf, type MixOpts } from './mix-options';

interface GenerateOpts extends MixOpts {
  maxTokens: number;
}

export function registerGenerate(program: Command): void {
  const cmd = program
    .command('generate')
    .description('continue a prompt with one model or an ensemble of experts, streaming the text')
    .argument('[prompt]', 'the text to continue')
    .option('--max-tokens <n>', 'new tokens at most', Number, DEFAULT_REPLY_TOKENS);
  addMixOptions(cmd, {
    modelHelp:
      "models: folders, or model names in the forest (the forest's tokenizer is used when a folder has none); several = their ensemble",
  }).action(async (prompt: string | undefined, o: GenerateOpts, command: Command) => {
    // --model takes every word after it: a prompt written after the list is read as one more model.
    if (prompt === undefined)
      throw new GroveError(
        'bad_input',
        'No prompt: give it before --model, or end the model list with -- (grove generate "text" --model A B, or grove generate --model A B -- "text").',
      );
    const home = forestHomeOf(command);
    const mix = resolveCliMix(home, o, mixSpecFromOptions(o, ['mix']));
    const pool = new ModelPool({ run: { threads: o.threads, quant: quantOf(o) } });
    try {
      const result = await runReply(
        pool,
        {
          tokenizerDir: mix.tokenizerDir,
          input: { kind: 'text', text: prompt },
          mix: mix.mix,
          sampling: samplingOf(o),
          maxTokens: o.maxTokens,
        },
        { onDelta: (text) => process.stdout.write(text) },
      );
      process.stdout.write('\n');
      console.error(`(${result.tokens} tokens, stopped by ${result.finish})`);
      if (mix.mix.kind === 'ensemble')
        console.error(
          `${mix.prior === 'clusters' ? 'cluster routing' : `posterior (${mix.prior} prior)`}: ${formatWeights(result.posterior)}`,
        );
    } finally {
      await pool.close();
    }
  });
}
