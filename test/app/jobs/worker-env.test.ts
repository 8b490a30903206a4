// The compute processes' environment: glibc's huge-page tunable added on Linux, kept alongside tunables the
// user set, never doubled, and nothing added elsewhere.
import { describe, expect, it } from 'vitest';
import { workerEnv } from '../../../src/app/jobs/worker-env';

describe('workerEnv', () => {
  it('asks glibc malloc for transparent huge pages on Linux', () => {
    expect(workerEnv({ PATH: '/bin' }, 'linux')).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  });

  it("keeps the user's tunables, and their own choice of huge pages", () => {
    expect(workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
    );
    const own = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' };
    expect(workerEnv(own, 'linux')).toBe(own);
  });

  it('adds nothing on macOS or Windows', () => {
    const env = { PATH: '/bin' };
    expect(workerEnv(env, 'darwin')).toBe(env);
    expect(workerEnv(env, 'win32')).toBe(env);
  });
});
