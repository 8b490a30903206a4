// `grove eval [--model A B ...] [--domain NAME ...]`: test perplexity and bits per byte of each model on each
// domain, and with several models, of their ensemble (uniform or cached prior, context or last-token posterior).
// Without --model: every ready model of the forest; without --domain: every domain. Scores of forest models
// are stored in the catalog (the app's heatmap shows them), a cluster-routed ensemble's (--routing clusters) too.
import type { Command } from 'commander';
import type { Split } from '../../engine/corpus/types';
import { EVAL_CONTEXT_WITHOUT_FOREST, EVAL_MAX_TOKENS } from '../../app/api/evaluation-plan';
import { Ensemble } from '../../engine/ensemble/ensemble';
import { routedExperts } from '../../engine/forest/cluster-routing';
import { clusterRoutedScorer, forestRouter } from '../../app/store/routed-ensemble';
import { evaluateSplit, type WindowScorer } from '../../engine/eval/perplexity';
import { CONTEXT_POSTERIOR, LAST_TOKEN_POSTERIOR } from '../../engine/forest/posterior';
import { domainDir } from '../../app/store/domains';
import { openScorersAt } from '../../app/store/stored-scorers';
import { estimateDomainsPrior } from '../../app/store/prior-job';
import { GroveError } from '../../shared/api/errors';
import { EvaluationStore } from '../evaluation-store';
import { forestHomeOf, resolveModelFolder } from '../options';

interface EvalOpts {
  model?: string[];
  domain?: string[];
  split: Split;
  context?: number;
  maxTokens?: number;
  all?: boolean;
  batch: number;
  threads: number;
  prior: 'uniform' | 'cached';
  posterior: 'context' | 'last-token';
  priorSequences: number;
  routing: 'posterior' | 'clusters';
}

export function registerEval(program: Command): void {
  const num = (v: string) => Number(v);
  program
    .command('eval')
    .description('perplexity and bits per byte of models, and of their ensemble, on domains (test split by default)')
    .option(
      '--model <model...>',
      'models: folders (config.json, model.safetensors) or model names in the forest; several = also their ensemble (default: every ready model)',
    )
    .option('--domain <name...>', 'domains to evaluate on (default: every domain)')
    .option('--split <split>', 'train, valid or test', 'test')
    .option(
      '--context <n>',
      `window length in tokens (default: the forest's training context, as the app scores; ${EVAL_CONTEXT_WITHOUT_FOREST} without a forest)`,
      num,
    )
    .option('--max-tokens <n>', `tokens scored per model and domain at most (default: ${EVAL_MAX_TOKENS}, as the app's heatmap)`, num)
    .option('--all', 'score every window of the split instead of the first --max-tokens')
    .option('--batch <n>', 'windows per forward pass', num, 8)
    .option('--threads <n>', 'CPU threads (0 = all)', num, 0)
    .option(
      '--prior <kind>',
      'ensemble prior: uniform, or cached (the one `grove prior` stored for the domain, else estimated the same way on its held-out split)',
      'cached',
    )
    .option('--posterior <kind>', 'ensemble posterior: context or last-token', 'context')
    .option('--prior-sequences <n>', 'held-out windows read for the cached prior', num, 100)
    .option(
      '--routing <kind>',
      "the ensemble's weights: posterior, or clusters: the experts `grove add --discover` grew, each token weighed by the distance of the text before it to their clusters (c-BTM; stored as a cluster-routed ensemble)",
      'posterior',
    )
    .action(async (o: EvalOpts, cmd: Command) => {
      if (!['train', 'valid', 'test'].includes(o.split))
        throw new GroveError('bad_input', `--split must be train, valid or test, not ${JSON.stringify(o.split)}.`);
      if (!['uniform', 'cached'].includes(o.prior))
        throw new GroveError('bad_input', `--prior must be uniform or cached, not ${JSON.stringify(o.prior)}.`);
      if (!['context', 'last-token'].includes(o.posterior))
        throw new GroveError('bad_input', `--posterior must be context or last-token, not ${JSON.stringify(o.posterior)}.`);
      if (!['posterior', 'clusters'].includes(o.routing))
        throw new GroveError('bad_input', `--routing must be posterior or clusters, not ${JSON.stringify(o.routing)}.`);
      const home = forestHomeOf(cmd);
      const router = o.routing === 'clusters' ? forestRouter(home, 'or leave out --routing clusters') : null;
      const store = new EvaluationStore(home);
      const names = o.model ?? (router ? routedExperts(router) : store.readyModels());
      const domains = o.domain ?? store.domains();
      if (names.length === 0 || domains.length === 0)
        throw new GroveError(
          'not_found',
          `Nothing to evaluate in ${home}: name --model and --domain, or add models and domains to the forest.`,
        );
      // Light experts run over their base, opened once (a discovery can grow light experts: `grove add --discover --light`).
      const opened = await openScorersAt(
        home,
        names.map((m) => resolveModelFolder(home, m)),
        { threads: o.threads },
      );
      const models = opened.scorers;
      try {
        // The app's evaluation windows (evaluation-plan.ts), so one model scores the same in both.
        const opts = {
          contextLength: o.context ?? store.contextLength() ?? EVAL_CONTEXT_WITHOUT_FOREST,
          batchSize: o.batch,
          ...(o.all ? {} : { maxTokens: o.maxTokens ?? EVAL_MAX_TOKENS }),
        };
        const row = (what: string, domain: string, e: Awaited<ReturnType<typeof evaluateSplit>>, extra = '') =>
          console.log(
            [what, domain, e.split, e.tokens, e.loss.toFixed(4), e.perplexity.toFixed(2), e.bitsPerByte.toFixed(4), extra].join('\t'),
          );
        // The last column: an ensemble's weights, or how a collapsed model was made (to tell the collapses apart).
        console.log(['model', 'domain', 'split', 'tokens', 'loss', 'perplexity', 'bits/byte', 'weights'].join('\t'));
        const made = names.map((n) => store.made(n) ?? '');
        for (const domain of domains) {
          const dir = domainDir(home, domain);
          for (const [i, m] of models.entries()) {
            const e = await evaluateSplit(m, dir, o.split, opts);
            row(names[i] as string, domain, e, made[i]);
            store.model(names[i] as string, domain, e);
          }
          if (models.length < 2) continue;
          if (router) {
            // The app's evaluate job scores it the same way (store/routed-ensemble.ts).
            const routed = await clusterRoutedScorer(
              home,
              router,
              models.map((m, i) => ({ name: names[i]!, scorer: m })),
            );
            const e = await evaluateSplit(routed, dir, o.split, opts);
            row('ensemble (cluster routing)', domain, e);
            store.routed(names, domain, e);
            continue;
          }
          const experts: WindowScorer[] = models;
          // The prior `grove prior` cached for these models, or the same estimate made now (and printed).
          const prior =
            o.prior === 'uniform'
              ? models.map(() => 1 / models.length)
              : (store.cachedPrior(names, domain) ??
                (await estimateDomainsPrior(experts, [dir], o.priorSequences, (line) => console.error(line))).prior);
          const posterior = o.posterior === 'context' ? CONTEXT_POSTERIOR : LAST_TOKEN_POSTERIOR;
          const e = await evaluateSplit(new Ensemble(experts, prior, posterior), dir, o.split, opts);
          row(`ensemble (${o.prior} prior, ${o.posterior} posterior)`, domain, e, prior.map((w) => w.toFixed(3)).join(' '));
          store.ensemble(names, o.prior, o.posterior, domain, e);
        }
      } finally {
        await opened.close();
        store.close();
      }
    });
}
