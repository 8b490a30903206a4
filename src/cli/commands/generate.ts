// `grove generate --model <folder> "prompt"`: continues a prompt with one model (a Hugging Face-style
// folder: config.json, model.safetensors, tokenizer.json), streaming tokens as they come.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { generate } from '../../engine/generate/generate';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { loadTokenizer } from '../../engine/tokenize/load';
import { forestTokenizerDir } from '../../engine/store/init';
import { GroveError } from '../../shared/api/errors';
import { forestHomeOf, resolveModelFolder } from '../options';

interface GenerateOpts {
  model: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
  seed: number;
  threads: number;
}

export function registerGenerate(program: Command): void {
  const num = (v: string) => Number(v);
  program
    .command('generate')
    .description('continue a prompt with one model, streaming the text')
    .argument('<prompt>', 'the text to continue')
    .requiredOption('--model <model>', "a model folder, or a model name in the forest (the forest's tokenizer is used when the folder has none)")
    .option('--max-tokens <n>', 'new tokens at most', num, 64)
    .option('--temperature <t>', '0 = greedy', num, 0.8)
    .option('--top-k <k>', '0 = off', num, 40)
    .option('--top-p <p>', '1 = off', num, 0.95)
    .option('--repetition-penalty <r>', '1 = off', num, 1.1)
    .option('--seed <n>', 'sampling seed', num, 0)
    .option('--threads <n>', 'CPU threads (0 = all)', num, 0)
    .action(async (prompt: string, o: GenerateOpts, cmd: Command) => {
      const home = forestHomeOf(cmd);
      const folder = resolveModelFolder(home, o.model);
      const own = join(folder, 'tokenizer.json');
      const tokenizer = await loadTokenizer(existsSync(own) ? own : join(forestTokenizerDir(home), 'tokenizer.json'));
      const model = await LlamaModel.open(folder, { threads: o.threads });
      try {
        const ids = [...tokenizer.encode(prompt, { addSpecialTokens: true })];
        if (ids.length === 0) throw new GroveError('bad_input', 'The prompt encodes to no tokens and the tokenizer adds no BOS token: give some text.');
        const stop = tokenizer.special.eos ? [tokenizer.special.eos.id] : [];
        let shown = '';
        const out: number[] = [];
        const result = await generate(model.decoder(), ids, {
          maxNewTokens: o.maxTokens,
          sampling: { temperature: o.temperature, topK: o.topK, topP: o.topP, repetitionPenalty: o.repetitionPenalty, seed: o.seed },
          stopTokens: stop,
          onToken: (id) => {
            out.push(id);
            // Decode the whole continuation each time: a token can end in the middle of a UTF-8 character.
            const text = tokenizer.decode(out, { skipSpecialTokens: true });
            if (!text.endsWith('\uFFFD')) {
              process.stdout.write(text.slice(shown.length));
              shown = text;
            }
          },
        });
        process.stdout.write('\n');
        console.error(`(${result.ids.length} tokens, stopped by ${result.finish})`);
      } finally {
        await model.close();
      }
    });
}
