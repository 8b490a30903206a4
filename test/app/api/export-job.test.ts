// The app's Export action: GroveService.exportModel queues an 'export' job that a real worker process
// (out/node/job-worker.js) runs; the job reports progress and the file appears when it is done.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroveService } from '../../../src/app/api/service';
import { nodeWorkerLauncher } from '../../../src/app/jobs/node-launcher';
import { initForestFromModel } from '../../../src/app/store/init';
import type { JobView } from '../../../src/shared/api';
import { assertBuilt, repoRoot } from '../../helpers/grove-process';
import { writeTestModel } from '../../helpers/model';
import { tempDir } from '../../helpers/tmp';
import { writeTestTokenizer } from '../../helpers/tokenizer';

const dir = tempDir();
const home = join(dir, 'home');
let service: GroveService;

beforeAll(async () => {
  assertBuilt();
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(
    join(dir, 'tiny-seed'),
    {
      architecture: 'LlamaForCausalLM',
      vocabSize: 320,
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
      tieWordEmbeddings: true,
    },
    { tokenizer },
  );
  await initForestFromModel(home, join(dir, 'tiny-seed'));
  service = new GroveService({
    forestHome: home,
    transport: 'http',
    workers: nodeWorkerLauncher(join(repoRoot, 'out/node/job-worker.js')),
  });
});
afterAll(async () => {
  service?.close();
});

function finished(id: number): Promise<JobView> {
  return new Promise((resolve) => {
    const off = service.onEvent((e) => {
      if (e.type === 'job.changed' && e.job.id === id && ['done', 'failed', 'cancelled'].includes(e.job.status)) {
        off();
        resolve(e.job);
      }
    });
  });
}

describe('GroveService.exportModel', () => {
  it('runs an export job in a worker and writes the GGUF file', async () => {
    const out = join(dir, 'seed.gguf');
    const queued = await service.exportModel({ model: 'tiny-seed', format: 'gguf', out, dtype: 'f16' });
    expect(queued.kind).toBe('export');
    expect(queued.label).toBe('Export “tiny-seed” as gguf');
    const done = await finished(queued.id);
    expect(done.status).toBe('done');
    expect(done.done).toBe(done.total);
    expect(readFileSync(out).subarray(0, 4).toString('latin1')).toBe('GGUF');
  });

  it('fails the job with a clear message when the destination exists', async () => {
    const queued = await service.exportModel({ model: 'tiny-seed', format: 'gguf', out: join(dir, 'seed.gguf') });
    const done = await finished(queued.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/exists already/);
  });

  it('refuses an unknown model and a relative destination at once', async () => {
    await expect(service.exportModel({ model: 'no-such-model', format: 'hf', out: join(dir, 'x') })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(service.exportModel({ model: 'tiny-seed', format: 'hf', out: 'relative/x' })).rejects.toMatchObject({ code: 'bad_input' });
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});
