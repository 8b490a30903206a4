// Builds the headless entry points (the `grove` CLI and the worker processes) for plain Node.
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
// node-llama-cpp (a devDependency, loaded only by `grove bench`) stays a runtime import: native binaries.
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies), 'node-llama-cpp'];

export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'out/node',
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: {
        cli: resolve('src/cli/index.ts'),
        'job-worker': resolve('src/workers/job-worker.ts'),
        'infer-worker': resolve('src/workers/infer-worker.ts'),
        'train-memory': resolve('src/bench/train-memory-child.ts'),
      },
      external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
      output: { format: 'esm', entryFileNames: '[name].js' },
    },
  },
});
