// `grove bundle write|run|merge|k8s`: one expert's training as a self-contained folder (docs/bundle.md), to train
// on another machine, a Slurm node or a Kubernetes pod, and merge back. `write` does what `grove add` does up to
// the start of training (ingest a folder if given one, branch) and writes the bundle instead of training; `run`
// trains a bundle with no forest (resumable); `merge` records the result in the forest that wrote it; `k8s`
// writes a Kubernetes Job and the Dockerfile of its image.
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { runBundle } from '../../app/bundle/run';
import { DOCKERFILE, DOCKERIGNORE, kubernetesJob, type KubernetesJobOptions } from '../../app/bundle/k8s';
import { readBundleManifest } from '../../app/bundle/manifest';
import { writeFileDurable } from '../../engine/durable-write';
import { GroveError } from '../../shared/api/errors';
import { checkName } from '../../shared/api/names';
import { budgetOf, budgetOptions, deviceOf, type BudgetOpts, type DeviceOpts } from '../budget';
import { lightOf, lightOptions, type LightOpts } from '../light-options';
import { forestHomeOf, modelNameArg } from '../options';
import { formatEta, ProgressLine } from '../progress-line';
import { jobRunningService, runJob } from '../run-job';

interface WriteOpts extends BudgetOpts, DeviceOpts, LightOpts {
  domain: string;
  as?: string;
  out: string;
  name?: string;
  init: 'posterior' | 'seed' | 'nearest';
  topK: number;
}

/** The engine's Job options as flags: --grace-period for gracePeriodSeconds, and where to write. */
interface K8sOpts extends Omit<KubernetesJobOptions, 'gracePeriodSeconds'> {
  gracePeriod: number;
  out?: string;
}

/** The exit status of a run stopped before the end (a signal): resumable, try again (EX_TEMPFAIL). */
const STOPPED_EXIT = 75;

function registerWrite(bundle: Command): void {
  budgetOptions(
    lightOptions(
      bundle
        .command('write')
        .description("what `grove add` does up to training (ingest, branch), writing the expert's training as a bundle folder instead")
        .requiredOption('--domain <folder-or-domain>', 'a folder of documents to ingest as a new domain, or the name of an ingested domain')
        .option('--as <name>', "the domain's name when --domain is a folder (default: the folder's name)")
        .requiredOption('--out <dir>', 'the bundle folder to write (new or empty)')
        .option('--name <name>', "the expert's name (default: the domain's)", modelNameArg)
        .option('--init <kind>', 'posterior (average of the most likely experts), seed, or nearest', 'posterior')
        .option('--top-k <k>', 'posterior init: average this many experts', (v) => Number(v), 2),
    ),
  ).action(async (o: WriteOpts, cmd: Command) => {
    const home = forestHomeOf(cmd);
    const folder = existsSync(o.domain) && statSync(o.domain).isDirectory() ? resolve(o.domain) : null;
    const domain = checkName('domain', folder ? (o.as ?? basename(folder)) : o.domain);
    const budget = budgetOf(o);
    const light = lightOf(o);
    const service = jobRunningService(home);
    try {
      if (folder) await runJob(service, () => service.addDomain({ folder, domain }));
      const input = {
        domain,
        out: resolve(o.out),
        init: o.init,
        topK: o.topK,
        ...deviceOf(o),
        ...(budget ? { budget } : {}),
        ...(light ? { light } : {}),
        ...(o.name ? { name: o.name } : {}),
      };
      await runJob(service, () => service.writeBundle(input));
      console.log(`bundle written: ${resolve(o.out)}`);
      console.log(`train it with \`grove bundle run ${resolve(o.out)}\`, then \`grove bundle merge ${resolve(o.out)}\``);
    } finally {
      service.close();
    }
  });
}

function registerRun(bundle: Command): void {
  bundle
    .command('run')
    .description('train a bundle here, no forest needed: hashes checked first, resumes from its last checkpoint, progress in progress.json')
    .argument('<dir>', 'the bundle folder')
    .option('--device <name>', "override the bundle's device: auto, cpu, cuda, webgpu, dml or coreml")
    .option('--threads <n>', "override the bundle's CPU threads (0: every core)", (v) => Number(v))
    .action(async (dir: string, o: { device?: 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml'; threads?: number }) => {
      if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 0))
        throw new GroveError('bad_input', `--threads must be a whole number, 0 or more, not ${o.threads}.`);
      const stop = new AbortController();
      // Ctrl-C, Slurm's and Kubernetes' SIGTERM: checkpoint and stop; a later run resumes there.
      const onSignal = () => stop.abort('pause');
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const line = new ProgressLine();
      try {
        const outcome = await runBundle(resolve(dir), {
          ...(o.device ? { device: o.device } : {}),
          ...(o.threads !== undefined ? { threads: o.threads } : {}),
          signal: stop.signal,
          log: (text) => {
            line.done();
            console.error(`  ${text}`);
          },
          onProgress: (p) =>
            line.update(
              `step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(3)}${p.validLoss !== undefined ? `  valid ${p.validLoss.toFixed(3)}` : ''}  ${Math.round(p.tokensPerSecond)} tok/s  ${formatEta(p.etaSeconds)}`,
              p.step === p.totalSteps || p.checkpoint !== undefined,
            ),
        });
        line.done();
        if (outcome.state === 'stopped') {
          console.log(`stopped at step ${outcome.step} of ${outcome.totalSteps}; run it again to resume from the last checkpoint`);
          process.exitCode = STOPPED_EXIT;
          return;
        }
        const m = outcome.result.metrics;
        console.log(
          `${outcome.alreadyDone ? 'already trained' : 'trained'}: ${m.steps} steps, ${m.tokens} tokens, train loss ${m.finalTrainLoss?.toFixed(4) ?? '-'}, valid loss ${m.finalValidLoss?.toFixed(4) ?? '-'}, ${m.elapsedSeconds.toFixed(1)} s`,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

function registerMerge(bundle: Command): void {
  bundle
    .command('merge')
    .description('check a trained bundle and merge its expert into the forest that wrote it, as a local run is recorded')
    .argument('<dir>', 'the trained bundle folder')
    .action(async (dir: string, _o: unknown, cmd: Command) => {
      const service = jobRunningService(forestHomeOf(cmd));
      try {
        await runJob(service, () => service.mergeBundle(resolve(dir)));
        console.log(`merged expert "${readBundleManifest(resolve(dir)).expert.name}"`);
      } finally {
        service.close();
      }
    });
}

function registerK8s(bundle: Command): void {
  const num = (v: string) => Number(v);
  bundle
    .command('k8s')
    .description('write a Kubernetes Job that runs the bundle (job.json), and the Dockerfile of its image')
    .argument('<dir>', 'the bundle folder')
    .requiredOption('--image <ref>', 'the image built from the Dockerfile (e.g. registry.example/grove:0.1)')
    .option('--gpus <n>', 'nvidia.com/gpu per pod (0: train on the CPU)', num, 0)
    .option('--cpu <q>', 'CPU request (Kubernetes quantity)', '2')
    .option('--memory <q>', 'memory request and limit (Kubernetes quantity)', '8Gi')
    .option('--claim <name>', 'a PersistentVolumeClaim holding the bundle at its root')
    .option('--host-path <dir>', "or the bundle's folder on the node")
    .option('--namespace <ns>', 'the namespace of the Job')
    .option('--backoff-limit <n>', 'pod restarts before the Job fails (each resumes from the last checkpoint)', num, 6)
    .option('--grace-period <s>', 'seconds between SIGTERM and SIGKILL (time for a checkpoint)', num, 120)
    .option('--out <dir>', 'where to write job.json, Dockerfile and Dockerfile.dockerignore (default: <dir>/k8s)')
    .action(async (dir: string, o: K8sOpts) => {
      const manifest = readBundleManifest(resolve(dir));
      const job = kubernetesJob(manifest, {
        image: o.image,
        gpus: o.gpus,
        cpu: o.cpu,
        memory: o.memory,
        backoffLimit: o.backoffLimit,
        gracePeriodSeconds: o.gracePeriod,
        ...(o.claim !== undefined ? { claim: o.claim } : {}),
        ...(o.hostPath !== undefined ? { hostPath: resolve(o.hostPath) } : {}),
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      });
      const out = resolve(o.out ?? join(dir, 'k8s'));
      await mkdir(out, { recursive: true });
      await writeFileDurable(join(out, 'job.json'), `${JSON.stringify(job, null, 2)}\n`);
      await writeFileDurable(join(out, 'Dockerfile'), DOCKERFILE);
      await writeFileDurable(join(out, 'Dockerfile.dockerignore'), DOCKERIGNORE);
      console.log(`wrote ${join(out, 'job.json')}, ${join(out, 'Dockerfile')}`);
      console.log(
        `build: docker build -t ${o.image} -f ${join(out, 'Dockerfile')} <the Grove repository>; run: kubectl apply -f ${join(out, 'job.json')}`,
      );
    });
}

export function registerBundle(program: Command): void {
  const bundle = program
    .command('bundle')
    .description("one expert's training as a self-contained folder: write, run anywhere, merge back (docs/bundle.md)");
  registerWrite(bundle);
  registerRun(bundle);
  registerMerge(bundle);
  registerK8s(bundle);
}
