// `grove eval --model <folder> --domain NAME`: test perplexity and bits per byte of one model on a domain.
import type { Command } from 'commander';
import type { Split } from '../../engine/corpus/types';
import { evaluateSplit } from '../../engine/eval/perplexity';
import { LlamaModel } from '../../engine/runtime/llama-model';
import { GroveError } from '../../shared/api/errors';
import { forestHomeOf, resolveModelFolder } from '../options';
import { domainDir } from '../../engine/store/domains';

interface EvalOpts {
  model: string;
  domain: string[];
  split: Split;
  context: number;
  batch: number;
  threads: number;
}

export function registerEval(program: Command): void {
  const num = (v: string) => Number(v);
  program
    .command('eval')
    .description('perplexity and bits per byte of a model on one or more domains (test split by default)')
    .requiredOption('--model <folder>', 'model: a folder (config.json, model.safetensors) or a model name in the forest')
    .requiredOption('--domain <name...>', 'domains to evaluate on')
    .option('--split <split>', 'train, valid or test', 'test')
    .option('--context <n>', 'window length in tokens', num, 256)
    .option('--batch <n>', 'windows per forward pass', num, 8)
    .option('--threads <n>', 'CPU threads (0 = all)', num, 0)
    .action(async (o: EvalOpts, cmd: Command) => {
      if (!['train', 'valid', 'test'].includes(o.split)) throw new GroveError('bad_input', `--split must be train, valid or test, not ${JSON.stringify(o.split)}.`);
      const home = forestHomeOf(cmd);
      const model = await LlamaModel.open(resolveModelFolder(home, o.model), { threads: o.threads });
      try {
        console.log(['domain', 'split', 'tokens', 'loss', 'perplexity', 'bits/byte'].join('\t'));
        for (const domain of o.domain) {
          const e = await evaluateSplit(model, domainDir(home, domain), o.split, { contextLength: o.context, batchSize: o.batch });
          console.log([domain, e.split, e.tokens, e.loss.toFixed(4), e.perplexity.toFixed(2), e.bitsPerByte.toFixed(4)].join('\t'));
        }
      } finally {
        await model.close();
      }
    });
}
