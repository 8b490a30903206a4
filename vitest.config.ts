// Test projects: the engine, server and end-to-end tests in Node; then the Slurm test that takes the cluster's node
// down, beside the Svelte components in a DOM (which use no Slurm).
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const NODE_FAILURE = 'test/cli/commands/add-slurm-requeue.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native addons (better-sqlite3, onnxruntime) are safest in forks; CI has 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**', NODE_FAILURE],
          globalSetup: ['test/helpers/slurm-teardown.ts', 'test/helpers/run-shared.ts'],
        },
      },
      {
        // Takes the one-node Slurm cluster's only node down, which kills any other file's job running on it
        // (CI, 2026-12-05: jobs.test.ts's requeued job ended FAILED twice): so it runs after the node tests, while
        // the renderer's tests, which never touch Slurm, keep the other worker busy.
        extends: true,
        test: {
          // Named to sort before 'renderer': within a group Vitest queues the projects' files by name, and this
          // long file must start first for the renderer's to fill the other worker beside it.
          name: 'cluster-node-failure',
          include: [NODE_FAILURE],
          globalSetup: ['test/helpers/slurm-teardown.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['test/renderer/**/*.test.ts'],
          environment: 'happy-dom',
          setupFiles: ['@testing-library/svelte/vitest'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
