// The PyTorch reference's interpreter and whether it runs here (see system-tool.ts: a skip on a developer's
// machine, a failure in CI).
import { systemToolFor } from './system-tool';

export const PYTHON = '/usr/bin/python3';

/** Whether `what` can run against PyTorch: true where it can; false with a warning outside CI; in CI, an error. */
export function torchFor(what: string): boolean {
  return systemToolFor(
    what,
    [PYTHON, '-c', 'import torch, numpy'],
    `${PYTHON} cannot import torch and numpy (Debian: apt install python3-torch python3-numpy; scripts/setup-test-deps.mjs does)`,
  );
}
