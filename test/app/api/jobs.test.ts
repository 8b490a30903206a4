// addDomain through the service with real job workers: a folder with nothing to train on fails its job with the
// reasons, and leaves no domain row and no domains/<name>/ folder; a hostile name never reaches the queue.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroveService } from '../../../src/app/api/service';
import { GroveError } from '../../../src/shared/api/errors';
import { jobService, jobSettled, plantTinyForest } from '../../helpers/forest-service';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
let home: string;
let service: GroveService;

beforeAll(async () => {
  home = await plantTinyForest(dir);
  service = jobService(home);
});
afterAll(() => service?.close());

describe('addDomain with nothing to train on', () => {
  it('fails the job with the reasons and registers nothing, for an empty and a junk-only folder', async () => {
    const empty = join(dir, 'empty');
    const junk = join(dir, 'junk');
    mkdirSync(empty);
    mkdirSync(join(junk, 'sub'), { recursive: true });
    writeFileSync(join(junk, 'photo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    writeFileSync(join(junk, 'sub', 'blank.md'), '\n\n   \n');
    for (const [folder, why] of [
      [empty, /it holds no files/],
      [junk, /2 files skipped \(1 binary, 1 empty\)/],
    ] as const) {
      const job = await jobSettled(service, (await service.addDomain({ folder, domain: 'nothing' })).id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/^Nothing to train on in /);
      expect(job.error).toMatch(why);
      expect((await service.forestSummary({})).domains).toEqual([]);
      expect(existsSync(join(home, 'domains', 'nothing'))).toBe(false);
    }
  });

  it('refuses a hostile domain name even when the caller skipped the API schema', async () => {
    const err = await service.addDomain({ folder: dir, domain: '../escape' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroveError);
    expect((err as GroveError).message).toMatch(/cannot be a domain name/);
    expect((await service.jobs({})).some((j) => j.label.includes('escape'))).toBe(false);
  });
});
