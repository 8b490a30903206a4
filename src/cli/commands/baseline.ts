// `grove baseline`: "Compare with one model" from the command line (issue 15). Trains the dense baseline (from
// the seed, for the training tokens the forest's experts received, on the mix of their domains) as a job with
// progress, then scores it beside the forest on every domain, and prints the verdict; `--last` prints the last
// verdict alone. The same job and verdict as the app's button (api/baseline-plan.ts, kinds/baseline.ts).
import type { Command } from 'commander';
import type { Verdict } from '../../shared/api/schemas-verdict';
import { domainVerdictLine, FOREST_SCORING, verdictSentence } from '../../shared/api/verdict-text';
import { deviceOf, deviceOptions, type DeviceOpts } from '../budget';
import { forestHomeOf, modelNameArg } from '../options';
import { jobRunningService, runJob } from '../run-job';

interface BaselineOpts extends DeviceOpts {
  name?: string;
  last?: boolean;
}

function printVerdict(v: Verdict): void {
  const forest = v.experts.length === 1 ? `the expert ${v.experts[0]}` : `the ensemble of ${v.experts.join(', ')} (${FOREST_SCORING})`;
  console.log(
    `Verdict of ${new Date(v.createdAt).toLocaleString()}: "${v.baseline}" (one model, ${v.trainingTokens.toLocaleString('en')} training tokens as the experts had) against ${forest}${v.collapsed ? ` and the collapsed model ${v.collapsed}` : ''}.`,
  );
  console.log(['domain', 'baseline', 'forest', 'collapsed', 'verdict'].join('\t'));
  for (const d of v.domains)
    console.log(
      [
        d.domain,
        d.baseline.toFixed(2),
        d.forest.toFixed(2),
        d.collapsed === null ? '-' : d.collapsed.toFixed(2),
        `${domainVerdictLine(d)}${d.inDomain ? '' : ' (no expert trained on it)'}`,
      ].join('\t'),
    );
  console.log(`${verdictSentence(v.domains)} (test perplexity; lower is better).`);
}

export function registerBaseline(program: Command): void {
  deviceOptions(
    program
      .command('baseline')
      .description(
        "compare the forest with one model: train the dense baseline with the experts' compute on the mix of their domains, score both on every domain, print the verdict",
      )
      .option('--name <name>', 'the baseline model\'s name (default: "baseline", or the next free "baseline-N")', modelNameArg)
      .option('--last', 'print the last verdict, train nothing'),
  ).action(async (o: BaselineOpts, cmd: Command) => {
    const service = jobRunningService(forestHomeOf(cmd));
    try {
      if (!o.last) {
        await runJob(service, () => service.compareWithBaseline({ ...(o.name ? { name: o.name } : {}), ...deviceOf(o) }), {
          followUps: true,
        });
      }
      const verdict = await service.verdict({});
      if (verdict) printVerdict(verdict);
      else console.log('No verdict yet: `grove baseline` trains the baseline and judges the forest against it.');
    } finally {
      service.close();
    }
  });
}
