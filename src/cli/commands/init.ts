// `grove init`: a forest whose seed is an existing model (--from <model folder>), or a forest from scratch:
// the sample forest (--sample, Brown corpus genres) or the person's own folders (--domain NAME=FOLDER ...),
// with a BPE tokenizer and a seed trained on their mix (the seed phase), optionally one expert per folder.
// Run again on a forest whose creation was interrupted (a kill, a crash, Ctrl-C), it finishes that one:
// the seed job and the expert jobs it queued resume from their checkpoints.
import type { Command } from 'commander';
import { initForestFromModel } from '../../app/store/init';
import type { GroveService } from '../../app/api/service';
import type { JobView } from '../../shared/api';
import { GroveError } from '../../shared/api/errors';
import { budgetOf, budgetOptions, type BudgetOpts } from '../budget';
import { domainNameArg, forestHomeOf, modelNameArg } from '../options';
import { jobRunningService, runJob } from '../run-job';

interface InitOpts extends BudgetOpts {
  from?: string;
  name: string;
  seedName?: string;
  sample?: string | boolean;
  domain: string[];
  shape: 'micro' | 'tiny' | 'small';
  vocab?: number;
  experts?: boolean;
  expertSteps?: number;
}

const experts = (n: number) => `${n} expert${n === 1 ? '' : 's'}`;

const UNFINISHED: readonly JobView['status'][] = ['queued', 'running', 'paused', 'failed'];

/** The oldest unfinished job of the forest's creation: its seed job, or an expert job the seed queued after it. */
async function unfinishedCreation(service: GroveService): Promise<JobView | undefined> {
  const jobs = await service.jobs({});
  const seed = jobs.filter((j) => j.kind === 'seed').at(-1);
  if (!seed) return undefined;
  return jobs.find((j) => (j.id === seed.id || (j.kind === 'expert' && j.id > seed.id)) && UNFINISHED.includes(j.status));
}

/** Resumes the interrupted creation job by job, oldest first (the seed queues its experts as it ends); null when there is none. */
async function finishCreation(service: GroveService): Promise<JobView[] | null> {
  let next = await unfinishedCreation(service);
  if (!next) return null;
  console.error('This forest was being created and was interrupted: continuing it.');
  const done: JobView[] = [];
  for (; next; next = await unfinishedCreation(service)) {
    const id = next.id;
    done.push(...(await runJob(service, () => service.resumeJob({ id }))));
  }
  return done;
}

function parseDomain(spec: string): { name: string; folder: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new GroveError('bad_input', `--domain takes NAME=FOLDER, not ${JSON.stringify(spec)}.`);
  return { name: domainNameArg(spec.slice(0, eq)), folder: spec.slice(eq + 1) };
}

export function registerInit(program: Command): void {
  budgetOptions(
    program
      .command('init')
      .description(
        'create a forest: from a model folder (it becomes the seed), the sample corpus, or your folders (a seed trained from scratch)',
      )
      .option('--from <folder>', 'model folder (config.json, safetensors, tokenizer.json) to use as the seed')
      .option('--name <name>', 'forest name (with --from)', 'forest')
      .option('--seed-name <name>', 'name of the seed model (with --from; default: the folder name)', modelNameArg)
      .option('--sample [preset]', 'the sample forest from the bundled Brown corpus: standard (a few minutes) or tiny (under a minute)')
      .option(
        '--domain <name=folder>',
        'a folder of your documents as a domain of the seed phase (repeatable)',
        (v: string, acc: string[]) => [...acc, v],
        [] as string[],
      )
      .option('--shape <shape>', 'seed size from scratch: micro, tiny or small', 'tiny')
      .option('--vocab <n>', "BPE vocabulary size from scratch (default: the shape's)", (v) => Number(v))
      .option('--experts', 'then branch and train one expert per --domain folder from the seed')
      .option('--expert-steps <n>', "with --experts: each expert's budget in steps (default: two passes over its folder)", (v) =>
        Number(v),
      ),
    { device: false },
  ).action(async (o: InitOpts, cmd: Command) => {
    const home = forestHomeOf(cmd);
    const ways = [o.from !== undefined, o.sample !== undefined, o.domain.length > 0].filter(Boolean).length;
    if (ways !== 1)
      throw new GroveError(
        'bad_input',
        'Choose one way to start the forest: --from <model folder>, --sample, or --domain NAME=FOLDER (repeatable).',
      );
    if (o.from) {
      const r = await initForestFromModel(home, o.from, { forestName: o.name, ...(o.seedName ? { seedName: o.seedName } : {}) });
      console.log(
        `Forest "${o.name}" in ${home}: seed "${r.seedName}" (${(r.parameters / 1e6).toFixed(2)} M parameters, weights ${r.weightsSha256.slice(0, 12)}).`,
      );
      console.log('Next: grove add <folder> --domain NAME');
      return;
    }
    const service = jobRunningService(home);
    try {
      const finished = await finishCreation(service);
      if (finished) {
        console.log(`Forest in ${home} finished: ${finished.map((j) => j.label).join('; ')}. Try: grove chat`);
        return;
      }
      if (o.sample !== undefined) {
        const preset = o.sample === true ? 'standard' : o.sample;
        if (preset !== 'standard' && preset !== 'tiny')
          throw new GroveError('bad_input', `--sample takes standard or tiny, not ${JSON.stringify(preset)}.`);
        const done = await runJob(service, () => service.createSampleForest({ preset }), { followUps: true });
        console.log(`Sample forest in ${home}: a seed and ${experts(done.length - 1)}. Try: grove chat`);
        return;
      }
      const budget = budgetOf(o);
      const then = o.experts ? { experts: o.expertSteps ? { budget: { steps: o.expertSteps } } : {} } : {};
      const done = await runJob(
        service,
        () =>
          service.createForest({
            domains: o.domain.map(parseDomain),
            shape: o.shape,
            ...(o.vocab ? { vocabSize: o.vocab } : {}),
            ...(budget ? { budget } : {}),
            ...then,
          }),
        { followUps: o.experts === true },
      );
      console.log(
        `Forest in ${home}: a seed trained from scratch on ${o.domain.length} domain(s)${done.length > 1 ? ` and ${experts(done.length - 1)}` : ''}.`,
      );
      console.log('Next: grove add <folder> --domain NAME');
    } finally {
      service.close();
    }
  });
}
