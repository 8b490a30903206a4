// `grove prior --target domain:NAME|mix|folder:PATH`: computes and caches the forest experts' prior on a
// target (btm.md "Cached prior"); `grove prior` alone lists the cached priors.
import type { Command } from 'commander';
import { forestHomeOf } from '../options';
import { jobRunningService, runJob } from '../run-job';

export function registerPrior(program: Command): void {
  program
    .command('prior')
    .description(
      "compute and cache the experts' prior on a target (domain:NAME, folder:PATH or mix); without --target, list the cached ones",
    )
    .option('--target <target>', 'domain:NAME, folder:PATH or mix')
    .option('--sequences <n>', 'held-out sequences read (the paper: 100)', (v) => Number(v))
    .action(async (o: { target?: string; sequences?: number }, cmd: Command) => {
      const service = jobRunningService(forestHomeOf(cmd));
      try {
        if (o.target)
          await runJob(service, () => service.estimatePrior({ target: o.target!, ...(o.sequences ? { sequences: o.sequences } : {}) }));
        const priors = (await service.priors({})).filter((p) => !o.target || p.target === o.target);
        if (priors.length === 0) console.log('No cached priors yet: `grove prior --target domain:NAME` computes one.');
        for (const p of priors) {
          console.log(`${p.target}  (${p.sequences} sequences, ${p.createdAt})`);
          for (const w of [...p.weights].sort((a, b) => b.weight - a.weight)) console.log(`  ${w.weight.toFixed(4)}  ${w.name}`);
        }
      } finally {
        service.close();
      }
    });
}
