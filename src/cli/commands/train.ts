// `grove train --model NAME`: trains a model of the forest on a domain (its own by default), from its
// current weights: a branch made with `grove branch`, or an expert that should learn more. A paused or
// crashed run continues with `grove jobs resume ID`.
import type { Command } from 'commander';
import { budgetOf, budgetOptions, deviceOf, type BudgetOpts, type DeviceOpts } from '../budget';
import { forestHomeOf } from '../options';
import { estimateVsActual } from '../../shared/api/estimate-text';
import { jobRunningService, runJob } from '../run-job';

export function registerTrain(program: Command): void {
  budgetOptions(
    program
      .command('train')
      .description('train a model of the forest on a domain (budget in steps, tokens or minutes)')
      .requiredOption('--model <name>', 'the model to train')
      .option('--domain <name>', "the domain to train on (default: the model's own)"),
  ).action(async (o: BudgetOpts & DeviceOpts & { model: string; domain?: string }, cmd: Command) => {
    const service = jobRunningService(forestHomeOf(cmd));
    try {
      const budget = budgetOf(o);
      const [job] = await runJob(service, () =>
        service.trainModel({ model: o.model, ...(o.domain ? { domain: o.domain } : {}), ...deviceOf(o), ...(budget ? { budget } : {}) }),
      );
      const run = (await service.runs({})).find((r) => r.id === job?.runId);
      if (run) {
        console.log(
          `${run.modelName}: ${run.step} steps on ${run.domain}, loss ${run.lastLoss?.toFixed(4) ?? '–'}${run.lastValidLoss !== null ? `, valid ${run.lastValidLoss.toFixed(4)}` : ''}`,
        );
        const judged = estimateVsActual(run.estimate, run.actual);
        if (judged) console.log(`  ${judged}`);
      }
    } finally {
      service.close();
    }
  });
}
