// collectGarbage frees what nothing references any more, at once (the small-memory training step relies on it).
import { expect, it } from 'vitest';
import { collectGarbage } from '../../../src/engine/runtime/collect-garbage';

/** Allocates and touches 64 MB that nothing keeps (in its own frame, so no register of the caller holds it). */
function allocateAndDrop(): void {
  new Float32Array(16 * 1024 * 1024).fill(1);
}

it('frees unreferenced array buffers when called', () => {
  collectGarbage();
  const before = process.memoryUsage().arrayBuffers;
  allocateAndDrop();
  expect(process.memoryUsage().arrayBuffers - before).toBeGreaterThanOrEqual(60e6);
  collectGarbage();
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(10e6);
});
