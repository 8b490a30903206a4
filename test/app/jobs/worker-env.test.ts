// The compute processes' environment: glibc's huge-page tunable for every worker and the roomy heap for job
// workers, added on Linux, kept alongside tunables the user set, never overriding or doubling one, and
// nothing added elsewhere.
import { describe, expect, it } from 'vitest';
import { workerEnv } from '../../../src/app/jobs/worker-env';

const HEAP = 'glibc.malloc.top_pad=1073741824:glibc.malloc.mmap_threshold=33554432';

describe('workerEnv', () => {
  it('asks glibc malloc for transparent huge pages, and job workers for a heap with room to grow', () => {
    expect(workerEnv('inference', { PATH: '/bin' }, 'linux')).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    expect(workerEnv('jobs', { PATH: '/bin' }, 'linux')).toEqual({ PATH: '/bin', GLIBC_TUNABLES: `glibc.malloc.hugetlb=1:${HEAP}` });
  });

  it("keeps the user's tunables, and their own value of any Grove would set", () => {
    expect(workerEnv('inference', { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
    );
    const own = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' };
    expect(workerEnv('inference', own, 'linux')).toBe(own);
    expect(workerEnv('jobs', { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0:glibc.malloc.top_pad=0' }, 'linux').GLIBC_TUNABLES).toBe(
      'glibc.malloc.hugetlb=0:glibc.malloc.top_pad=0:glibc.malloc.mmap_threshold=33554432',
    );
  });

  it('adds nothing on macOS or Windows', () => {
    const env = { PATH: '/bin' };
    for (const kind of ['jobs', 'inference'] as const) {
      expect(workerEnv(kind, env, 'darwin')).toBe(env);
      expect(workerEnv(kind, env, 'win32')).toBe(env);
    }
  });
});
