// A file that killed the ingester is skipped with its reason on the next run, instead of killing it again: first
// with a journal left as a dead process leaves it, then with a real job worker SIGKILLed in the middle of a file.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { ByteTokenizer } from '../../../src/engine/corpus/byte-tokenizer';
import { ingestFolder } from '../../../src/engine/corpus/ingest';
import { JOURNAL_FILE } from '../../../src/engine/corpus/journal';
import type { IngestReport } from '../../../src/engine/corpus/types';
import { nodeWorkerLauncher } from '../../../src/app/jobs/node-launcher';
import { JobQueue } from '../../../src/app/jobs/queue';
import { JobRunner, type WorkerHandle, type WorkerLauncher } from '../../../src/app/jobs/runner';
import { repoRoot } from '../../helpers/grove-process';
import { writeTestTokenizer } from '../../helpers/tokenizer';
import { prose, tempDir } from './fixtures';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir()));
afterAll(() => cleanup());

const CRASH = /The ingester stopped while reading this file \(out of memory or a crash\)/;

describe('ingest journal', () => {
  it('skips the file a dead run was reading, keeps it skipped while unchanged, reads it again once changed', async () => {
    const folder = join(root, 'docs');
    const out = join(root, 'out');
    await mkdir(folder);
    await mkdir(out);
    await writeFile(join(folder, 'bad.txt'), prose(200, 1));
    await writeFile(join(folder, 'good.txt'), prose(200, 2));
    await writeFile(join(folder, 'done.txt'), prose(200, 3));
    const bad = await stat(join(folder, 'bad.txt'));
    const done = await stat(join(folder, 'done.txt'));
    // What a run that died inside bad.txt leaves: done.txt begun and ended, bad.txt begun, then a line cut short.
    const line = (o: object): string => `${JSON.stringify(o)}\n`;
    await appendFile(
      join(out, JOURNAL_FILE),
      line({ begin: 'done.txt', size: done.size, mtimeMs: done.mtimeMs }) +
        line({ end: 'done.txt' }) +
        line({ begin: 'bad.txt', size: bad.size, mtimeMs: bad.mtimeMs }) +
        '{"end":"ba',
    );
    const ingest = (): Promise<IngestReport> =>
      ingestFolder({ folder, out, tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } });

    const first = await ingest();
    const status = (r: IngestReport, p: string) => r.files.find((f) => f.path === p);
    expect(status(first, 'bad.txt')).toMatchObject({ status: 'skipped', reason: 'corrupt', detail: expect.stringMatching(CRASH) });
    expect(status(first, 'good.txt')?.status).toBe('accepted');
    expect(status(first, 'done.txt')?.status).toBe('accepted');
    expect(existsSync(join(out, JOURNAL_FILE))).toBe(false); // the state now holds the skip

    const again = await ingest();
    expect(status(again, 'bad.txt')).toMatchObject({ status: 'skipped', detail: expect.stringMatching(CRASH) });
    expect(again.processed.extracted).toBe(0);

    const later = new Date(Date.now() + 5000);
    await utimes(join(folder, 'bad.txt'), later, later);
    const changed = await ingest();
    expect(status(changed, 'bad.txt')?.status).toBe('accepted');
  });

  it('leaves no journal after a run in which nothing died', async () => {
    const folder = join(root, 'calm');
    await mkdir(folder);
    await writeFile(join(folder, 'a.txt'), prose(100, 4));
    await ingestFolder({ folder, out: join(root, 'calm-out'), tokenizer: new ByteTokenizer(), settings: { minTrainTokens: 0 } });
    expect(existsSync(join(root, 'calm-out', JOURNAL_FILE))).toBe(false);
  });
});

describe('an ingest job whose worker dies in the middle of a file', () => {
  const workerEntry = join(repoRoot, 'out/node/job-worker.js');

  /** A job worker started as Grove starts it, whose kill() sends `signal`. */
  const launcherSending =
    (signal: NodeJS.Signals): WorkerLauncher =>
    (): WorkerHandle => {
      const child = fork(workerEntry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      return {
        send: (m) => void child.send(m),
        onMessage: (f) => child.on('message', (m) => f(m as Parameters<typeof f>[0])),
        onExit: (f) => child.once('exit', (code, sig) => f(code, sig)),
        kill: () => void child.kill(signal),
      };
    };

  /** Runs an ingest job whose first worker is killed with `signal` inside a 48 MiB file, then resumes it; returns the report. */
  async function killThenResume(name: string, signal: NodeJS.Signals): Promise<IngestReport> {
    if (!existsSync(workerEntry))
      throw new Error('The job worker is not built: run `npx vite build --config vite.node.config.ts` (or `npm run build`) first.');
    const tokenizer = await writeTestTokenizer(join(root, name));
    const folder = join(root, name, 'docs');
    const out = join(root, name, 'out');
    await mkdir(folder, { recursive: true });
    // First in path order, and big enough that the worker is still inside it when the kill lands.
    const big = 48 * 1024 * 1024;
    const block = `${prose(20_000, 5)}\n\n`;
    for (let written = 0; written < big; written += block.length) await appendFile(join(folder, 'a-big.txt'), block);
    for (let i = 0; i < 5; i++) await writeFile(join(folder, `note-${i}.txt`), prose(300, 10 + i));

    const queue = new JobQueue(Catalog.open(join(root, name, 'jobs.sqlite')));
    const launch = signal === 'SIGKILL' ? nodeWorkerLauncher(workerEntry) : launcherSending(signal);
    let killedAt: number | undefined;
    const killing = (): WorkerHandle => {
      const worker = launch();
      if (killedAt === undefined) {
        worker.onMessage((m) => {
          const p = m.type === 'progress' ? (m.progress as { current?: string; bytesDone: number }) : undefined;
          if (killedAt === undefined && p?.current === 'a-big.txt' && p.bytesDone > 0 && p.bytesDone < big) {
            killedAt = p.bytesDone;
            worker.kill();
          }
        });
      }
      return worker;
    };
    const runner = new JobRunner(queue, killing, root);
    const job = queue.enqueue('ingest', { folder, out, tokenizer });
    await runner.drain();
    expect(killedAt).toBeDefined();
    expect(queue.get(job.id).status).toBe('failed');
    expect(await readFile(join(out, JOURNAL_FILE), 'utf8')).toContain('"begin":"a-big.txt"');

    queue.resume(job.id);
    await runner.drain();
    expect(queue.get(job.id).status).toBe('done');
    return JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as IngestReport;
  }

  it('killed (SIGKILL, as the OOM killer does): skips that file with the reason on resume and ingests the rest', async () => {
    const report = await killThenResume('sigkill', 'SIGKILL');
    expect(report.files.find((f) => f.path === 'a-big.txt')).toMatchObject({
      status: 'skipped',
      reason: 'corrupt',
      detail: expect.stringMatching(CRASH),
    });
    expect(report.files.filter((f) => f.path.startsWith('note-') && f.status === 'accepted')).toHaveLength(5);
  }, 120_000);

  it('stopped from outside (SIGINT, a Ctrl-C): the file is not blamed and is read on resume', async () => {
    const report = await killThenResume('sigint', 'SIGINT');
    expect(report.files.find((f) => f.path === 'a-big.txt')?.status).toBe('accepted');
    expect(report.files.filter((f) => f.status === 'accepted')).toHaveLength(6);
  }, 120_000);
});
