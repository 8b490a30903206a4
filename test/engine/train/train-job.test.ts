// Training as a real user's job: a worker process trains a tiny model on an ingested domain with
// checkpoints; a run whose worker is SIGKILLed mid-way (and accumulates micro-batches) resumes from its last
// checkpoint, and its loss curve equals the uninterrupted run's step for step (within 1e-5), with no step
// logged twice, for a full model and a light expert (adapters over a base it leaves untouched); a run another process writes is never written beside it.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { corpusTokenizer } from '../../../src/engine/corpus/types';
import { nodeWorkerLauncher } from '../../../src/app/jobs/node-launcher';
import { JobQueue } from '../../../src/app/jobs/queue';
import { JobRunner, type WorkerHandle } from '../../../src/app/jobs/runner';
import { sha256File } from '../../../src/engine/file-hash';
import { readAdapterFolder } from '../../../src/engine/model/adapter-folder';
import { parseModelConfig } from '../../../src/engine/model/config';
import { LORA_TARGETS } from '../../../src/engine/model/lora';
import { FINISHED, readMetrics } from '../../../src/engine/train/loop';
import { runTrainJob, type TrainJobPayload } from '../../../src/engine/train/train-job';
import { loadTokenizer } from '../../../src/engine/tokenize/load';
import { LlamaModel } from '../../../src/engine/runtime/llama-model';
import { assertBuilt, repoRoot } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { holdRunInAnotherProcess } from '../../helpers/run-lock-holder';
import { writeTestModel } from '../../helpers/model';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const domain = join(dir, 'domain');
const worker = join(repoRoot, 'out/node/job-worker.js');
const config = parseModelConfig({
  architecture: 'LlamaForCausalLM',
  vocabSize: 320,
  hiddenSize: 32,
  intermediateSize: 64,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  tieWordEmbeddings: true,
});
const payload = (runDir: string, microBatches = 1): TrainJobPayload => ({
  runDir,
  domainDir: domain,
  config,
  steps: 12,
  batchSize: 2,
  microBatches,
  contextLength: 16,
  peakLr: 3e-3,
  seed: 3,
  threads: 1,
  checkpointEverySteps: 4,
  evalEvery: 6,
});

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await loadTokenizer(await writeTestTokenizer(dir, 320));
  mkdirSync(join(dir, 'docs'));
  for (let i = 0; i < 30; i++)
    writeFileSync(
      join(dir, 'docs', `d${i}.txt`),
      `Day ${i}: the heron fished by the willow, and the river ran ${i % 5} feet deep.\n`.repeat(12),
    );
  await ingestFolder({ folder: join(dir, 'docs'), out: domain, tokenizer: corpusTokenizer(tokenizer), settings: { minTrainTokens: 0 } });
});

/**
 * Runs `reference` to the end, then `crashed` (same steps, its worker SIGKILLed after step 6) and its
 * resume; the resumed curve must equal the reference step for step (within 1e-5), with no step twice.
 */
async function crashAndResume(reference: TrainJobPayload, crashed: TrainJobPayload): Promise<void> {
  const queue = new JobQueue(Catalog.open(join(dir, 'jobs.sqlite')));
  const launch = nodeWorkerLauncher(worker);
  let kill = false;
  let killed = false;
  const launcher = (): WorkerHandle => {
    const w = launch();
    w.onMessage((m) => {
      if (kill && !killed && m.type === 'progress' && (m.progress as { step: number }).step >= 6) {
        killed = true;
        w.kill();
      }
    });
    return w;
  };
  const runner = new JobRunner(queue, launcher, dir);

  const first = queue.enqueue('train', reference);
  await runner.drain();
  expect(queue.get(first.id), String(queue.get(first.id).error)).toMatchObject({ status: 'done' });

  kill = true;
  // The crashed run accumulates two micro-batches a step: the same steps as the reference, so the same curve.
  const second = queue.enqueue('train', crashed);
  await runner.drain();
  expect(killed).toBe(true);
  expect(queue.get(second.id).status).toBe('failed');
  queue.resume(second.id);
  await runner.drain();
  expect(queue.get(second.id), String(queue.get(second.id).error)).toMatchObject({ status: 'done', attempts: 2 });

  const a = readMetrics(reference.runDir).filter((m) => m.split === 'train');
  const b = readMetrics(crashed.runDir).filter((m) => m.split === 'train');
  expect(b.map((m) => m.step)).toEqual([...Array(12).keys()]);
  for (let i = 0; i < 12; i++) expect(Math.abs(b[i]!.loss - a[i]!.loss)).toBeLessThanOrEqual(1e-5);
  expect(a.at(-1)!.loss).toBeLessThan(a[0]!.loss); // it learned something
}

describe('train job', () => {
  it('trains in a worker, and a SIGKILLed run resumes with the same loss curve', async () => {
    await crashAndResume(payload(join(dir, 'run-a')), payload(join(dir, 'run-b'), 2));
    // The trained model is a normal model folder: the inference graphs load and run it.
    const model = await LlamaModel.open(join(dir, 'run-a', 'model'), { threads: 1 });
    expect((await model.logits([1, 2, 3])).length).toBe(3 * 320);
    await model.close();
  });

  it('trains a light expert in a worker: a SIGKILLed run resumes from its adapter checkpoint with the same loss curve, the base untouched', async () => {
    const base = join(dir, 'base');
    await writeTestModel(base, config, { seed: 5 });
    const baseHash = await sha256File(join(base, 'model.safetensors'));
    const light = (runDir: string, microBatches = 1): TrainJobPayload => ({
      ...payload(runDir, microBatches),
      config: undefined,
      modelFolder: base,
      peakLr: 1e-2,
      lora: { rank: 4, alpha: 8, targets: [...LORA_TARGETS], baseModel: 'tiny-base' },
    });
    await crashAndResume(light(join(dir, 'light-a')), light(join(dir, 'light-b'), 2));
    expect(await sha256File(join(base, 'model.safetensors'))).toBe(baseHash);
    // The result is a PEFT adapter folder over the base, and only that.
    expect(readdirSync(join(dir, 'light-a', 'adapter')).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const adapter = await readAdapterFolder(join(dir, 'light-a', 'adapter'), config);
    expect(adapter).toMatchObject({ baseModel: 'tiny-base', lora: { rank: 4, alpha: 8 } });
    await adapter.weights.close();
  });

  it('turns a minutes budget into steps once, leaving no trace of the timed steps', async () => {
    const lines: string[] = [];
    const mixed = {
      ...payload(join(dir, 'run-min')),
      domainDir: undefined,
      domainDirs: [domain, domain],
      steps: undefined,
      minutes: 0.03,
      checkpointEverySteps: undefined,
      evalEvery: undefined,
    };
    const timed = await runTrainJob(
      mixed,
      new AbortController().signal,
      () => undefined,
      (l) => lines.push(l),
    );
    // The planned steps, or fewer where the machine ran slower than its timing: the time is a limit.
    expect(FINISHED).toContain(timed.reason);
    expect(timed.totalSteps).toBeGreaterThan(0);
    if (timed.reason === 'done') expect(timed.steps).toBe(timed.totalSteps);
    expect(timed.steps).toBeLessThanOrEqual(timed.totalSteps);
    expect(lines.join('\n')).toMatch(new RegExp(`0.03 minutes at [0-9.]+ s per step: ${timed.totalSteps} steps`));
    // The same run with that many steps from the start: the timing steps must not have moved the weights or the optimizer.
    const fixed = await runTrainJob(
      { ...mixed, runDir: join(dir, 'run-fixed'), minutes: undefined, steps: timed.totalSteps },
      new AbortController().signal,
      () => undefined,
      () => undefined,
    );
    const a = readMetrics(join(dir, 'run-min')).filter((m) => m.split === 'train');
    const b = readMetrics(join(dir, 'run-fixed')).filter((m) => m.split === 'train');
    expect(fixed.steps).toBe(timed.totalSteps);
    expect(a.map((m) => m.loss)).toEqual(b.slice(0, a.length).map((m) => m.loss));
    // Run again (a resume): the plan stands, time limit included, even with another budget; nothing more is trained.
    const again = await runTrainJob(
      { ...mixed, minutes: 5 },
      new AbortController().signal,
      () => undefined,
      () => undefined,
    );
    expect(again).toMatchObject({ totalSteps: timed.totalSteps, steps: timed.steps, reason: timed.reason });
  });

  it('refuses a payload with two budgets or none', async () => {
    await expect(
      runTrainJob(
        { ...payload(join(dir, 'bad')), minutes: 1 },
        new AbortController().signal,
        () => undefined,
        () => undefined,
      ),
    ).rejects.toThrow(/steps or as minutes/);
  });

  it('never writes a run another process is writing: it waits for that writer to be gone, then trains', async () => {
    const runDir = join(dir, 'run-held');
    const holder = await holdRunInAnotherProcess(runDir, dir);
    try {
      const training = runTrainJob(
        payload(runDir),
        new AbortController().signal,
        () => undefined,
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, 1500));
      // Still waiting: not a line of metrics, not a checkpoint, written beside the other writer.
      expect(readdirSync(runDir).sort()).toEqual(['writer.json', 'writer.lock']);
      holder.kill('SIGKILL');
      const result = await training;
      expect(result).toMatchObject({ reason: 'done', steps: 12 });
      expect(existsSync(join(runDir, 'model'))).toBe(true);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
