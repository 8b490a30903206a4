// The job runner with real worker processes (the built job worker) running real ingest jobs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { nodeWorkerLauncher } from '../../../src/app/jobs/node-launcher';
import { JobQueue } from '../../../src/app/jobs/queue';
import { JobRunner, type WorkerHandle } from '../../../src/app/jobs/runner';
import { assertBuilt, repoRoot } from '../../helpers/grove-process';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const workerEntry = join(repoRoot, 'out/node/job-worker.js');
let tokenizer = '';
const folder = join(dir, 'docs');

beforeAll(async () => {
  assertBuilt();
  tokenizer = await writeTestTokenizer(dir);
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < 400; i++) {
    writeFileSync(
      join(folder, `note-${i}.txt`),
      `Note ${i}: experts specialise on their domain, and the forest remembers ${i * 7919} facts about trees.\n`.repeat(20),
    );
  }
});

describe('JobRunner', () => {
  it('runs an ingest job in a worker process, with progress, to completion', async () => {
    const queue = new JobQueue(Catalog.open(join(dir, 'ok.sqlite')));
    const progress: unknown[] = [];
    const runner = new JobRunner(queue, nodeWorkerLauncher(workerEntry), dir, { progress: (_job, p) => progress.push(p) });
    const job = queue.enqueue('ingest', { folder, out: join(dir, 'out-ok'), tokenizer });
    await runner.drain();
    expect(queue.get(job.id).status).toBe('done');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', filesDone: 400, filesTotal: 400 });
  });

  it('fails a job whose worker is killed, with the reason, and completes it on resume', async () => {
    const queue = new JobQueue(Catalog.open(join(dir, 'crash.sqlite')));
    const launch = nodeWorkerLauncher(workerEntry);
    let killed = false;
    // The first worker is SIGKILLed at its first progress report; later ones run normally.
    const killingLauncher = (): WorkerHandle => {
      const worker = launch();
      if (!killed) {
        worker.onMessage((m) => {
          if (m.type === 'progress' && !killed) {
            killed = true;
            worker.kill();
          }
        });
      }
      return worker;
    };
    const runner = new JobRunner(queue, killingLauncher, dir);
    const job = queue.enqueue('ingest', { folder, out: join(dir, 'out-crash'), tokenizer });
    await runner.drain();
    const failed = queue.get(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/was killed \(SIGKILL\).*resume the job/);
    queue.resume(job.id);
    await runner.drain();
    expect(queue.get(job.id)).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('reports a bad payload as a failed job, not a crash', async () => {
    const queue = new JobQueue(Catalog.open(join(dir, 'bad.sqlite')));
    const runner = new JobRunner(queue, nodeWorkerLauncher(workerEntry), dir);
    const bad = queue.enqueue('ingest', { folder: '' });
    const unknown = queue.enqueue('juggle', {});
    await runner.drain();
    expect(queue.get(bad.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/Bad ingest job payload/) });
    expect(queue.get(unknown.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/no job kind "juggle"/) });
  });
});

describe('JobRunner.drain', () => {
  it('picks up jobs queued after an empty drain', async () => {
    const queue = new JobQueue(Catalog.open(join(dir, 'later.sqlite')));
    const runner = new JobRunner(queue, nodeWorkerLauncher(workerEntry), dir);
    await runner.drain(); // nothing queued yet
    const job = queue.enqueue('ingest', { folder, out: join(dir, 'out-later'), tokenizer });
    await runner.drain();
    expect(queue.get(job.id).status).toBe('done');
  });
});
