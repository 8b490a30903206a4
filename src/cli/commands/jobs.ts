// `grove jobs`: the forest's job queue; `grove jobs resume ID` continues a paused or crashed job from its
// last checkpoint (with its progress line), `pause` and `cancel` stop one.
import type { Command } from 'commander';
import { GroveService } from '../../app/api/service';
import { formatEta } from '../progress-line';
import { forestHomeOf } from '../options';
import { jobRunningService, runJob } from '../run-job';

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description("the forest's job queue: list, resume, pause, cancel");
  jobs
    .command('list', { isDefault: true })
    .description('the latest jobs')
    .action(async (_o: unknown, cmd: Command) => {
      // No workers: listing must not start the queued jobs.
      const service = new GroveService({ forestHome: forestHomeOf(cmd), transport: 'http' });
      try {
        for (const j of await service.jobs({}))
          console.log(
            [j.id, j.status, j.label, `${j.done}/${j.total}`, j.status === 'running' ? formatEta(j.etaSeconds) : '', j.error ?? ''].join(
              '\t',
            ),
          );
      } finally {
        service.close();
      }
    });
  jobs
    .command('resume')
    .argument('<id>', 'job id', (v) => Number(v))
    .description('continue a paused or failed job from its last checkpoint')
    .action(async (id: number, _o: unknown, cmd: Command) => {
      const service = jobRunningService(forestHomeOf(cmd));
      try {
        await runJob(service, () => service.resumeJob({ id }));
      } finally {
        service.close();
      }
    });
  for (const [name, what] of [
    ['pause', 'stop a queued job from starting (a running one is paused by its own process: Ctrl-C)'],
    ['cancel', 'cancel a queued or paused job'],
  ] as const) {
    jobs
      .command(name)
      .argument('<id>', 'job id', (v) => Number(v))
      .description(what)
      .action(async (id: number, _o: unknown, cmd: Command) => {
        const service = new GroveService({ forestHome: forestHomeOf(cmd), transport: 'http' });
        try {
          const view = name === 'pause' ? await service.pauseJob({ id }) : await service.cancelJob({ id });
          console.log(`${view.id}\t${view.status}\t${view.label}`);
        } finally {
          service.close();
        }
      });
  }
}
