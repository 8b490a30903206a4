// Vitest global setup of the node project: a folder the whole test run shares (removed when the run ends), for
// what several test files need and one process can make once (brown-model.ts). Test files read it with
// inject('runSharedDir').
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    runSharedDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'grove-run-shared-'));
  project.provide('runSharedDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
