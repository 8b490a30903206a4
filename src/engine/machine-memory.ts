// The engine machine's memory, as the training estimates weigh a run against it: physical memory (or the
// process's cgroup limit, where a container sets a lower one) and what is available now (Linux: MemAvailable,
// which counts reclaimable caches; libuv reads it for os.freemem).
import { freemem, totalmem } from 'node:os';

export interface MachineMemory {
  totalBytes: number;
  availableBytes: number;
}

export function machineMemory(): MachineMemory {
  const physical = totalmem();
  // 0 or a huge number where no limit is set (Node >= 19.6).
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const totalBytes = limit > 0 && limit < physical ? limit : physical;
  return { totalBytes, availableBytes: Math.min(freemem(), totalBytes) };
}
