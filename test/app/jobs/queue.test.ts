import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { databaseOf } from '../../../src/app/catalog/database';
import { JobQueue } from '../../../src/app/jobs/queue';
import { processStartTime } from '../../../src/engine/process-alive';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('JobQueue', () => {
  it('runs jobs in order, with progress, and refuses impossible transitions', () => {
    const queue = new JobQueue(Catalog.open(join(dir, 'a.sqlite')));
    const a = queue.enqueue('train', { runId: 1 });
    const b = queue.enqueue('eval', { modelId: 2 });
    expect(queue.claimNext()).toMatchObject({ id: a.id, status: 'running', attempts: 1, payload: { runId: 1 } });
    queue.reportProgress(a.id, { step: 10, total: 100 });
    expect(queue.get(a.id).progress).toEqual({ step: 10, total: 100 });
    expect(queue.complete(a.id).status).toBe('done');
    expect(() => queue.complete(a.id)).toThrow(/is done; it cannot become done/);
    expect(queue.claimNext()?.id).toBe(b.id);
    expect(queue.claimNext()).toBeNull();
    expect(queue.fail(b.id, 'worker exited with SIGKILL').error).toBe('worker exited with SIGKILL');
    expect(queue.resume(b.id).status).toBe('queued');
  });

  it('survives a restart: a job left running is queued again and keeps its progress', () => {
    const file = join(dir, 'crash.sqlite');
    const catalog = Catalog.open(file);
    const before = new JobQueue(catalog);
    const job = before.enqueue('train', { runId: 7 });
    before.claimNext();
    before.reportProgress(job.id, { step: 42 });
    // The process dies here: no complete(), no fail(). A new process opens the same catalog (one that was
    // given the dead owner's pid again: only the start time tells them apart).
    databaseOf(catalog).prepare("UPDATE jobs SET owner_start = 'an earlier process' WHERE id = ?").run(job.id);
    const after = new JobQueue(Catalog.open(file));
    const recovered = after.recoverInterrupted();
    expect(recovered).toEqual([expect.objectContaining({ id: job.id, status: 'queued', progress: { step: 42 } })]);
    expect(after.claimNext()).toMatchObject({ id: job.id, attempts: 2 });
  });

  it('leaves alone a running job whose owner process is still alive', async () => {
    const file = join(dir, 'owned.sqlite');
    const catalog = Catalog.open(file);
    const queue = new JobQueue(catalog);
    const job = queue.enqueue('train', {});
    queue.claimNext();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    databaseOf(catalog)
      .prepare('UPDATE jobs SET owner_pid = ?, owner_start = ? WHERE id = ?')
      .run(other.pid, processStartTime(other.pid!), job.id);
    expect(new JobQueue(Catalog.open(file)).recoverInterrupted()).toEqual([]);
    expect(queue.list(['running'])).toHaveLength(1);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    expect(new JobQueue(Catalog.open(file)).recoverInterrupted()).toEqual([expect.objectContaining({ id: job.id, status: 'queued' })]);
  });

  it('recovers a job whose owner pid now belongs to another process (pid reuse)', async () => {
    const file = join(dir, 'reused.sqlite');
    const catalog = Catalog.open(file);
    const queue = new JobQueue(catalog);
    const job = queue.enqueue('train', {});
    queue.claimNext();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      // The row names a live pid, but not the process that started then: the owner is gone.
      databaseOf(catalog).prepare("UPDATE jobs SET owner_pid = ?, owner_start = '1' WHERE id = ?").run(other.pid, job.id);
      expect(new JobQueue(Catalog.open(file)).recoverInterrupted()).toEqual(
        process.platform === 'linux' ? [expect.objectContaining({ id: job.id, status: 'queued' })] : [],
      );
    } finally {
      other.kill('SIGKILL');
    }
  });

  it("keeps this process's own running job", () => {
    const queue = new JobQueue(Catalog.open(join(dir, 'own.sqlite')));
    const job = queue.enqueue('train', {});
    queue.claimNext();
    expect(queue.recoverInterrupted()).toEqual([]);
    expect(queue.get(job.id).status).toBe('running');
  });

  it('pauses and cancels', () => {
    const queue = new JobQueue(Catalog.open(join(dir, 'b.sqlite')));
    const job = queue.enqueue('train', {});
    expect(queue.pause(job.id).status).toBe('paused');
    expect(queue.claimNext()).toBeNull();
    expect(queue.resume(job.id).status).toBe('queued');
    expect(queue.cancel(job.id).status).toBe('cancelled');
    expect(queue.isFinished(job.id)).toBe(true);
    expect(() => queue.get(999)).toThrow(/No job 999/);
  });
});
