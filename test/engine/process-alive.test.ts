import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../src/engine/process-alive';

describe('processAlive', () => {
  it('is true for a running process and false once it has exited', () => {
    expect(processAlive(process.pid)).toBe(true);
    const done = spawnSync(process.execPath, ['-e', '0']);
    expect(done.status).toBe(0);
    expect(processAlive(done.pid!)).toBe(false);
  });
});
