// A test's child process written in TypeScript, bundled to plain JS with the project's own vite (Node 20 runs
// no TypeScript): the engine's code is bundled in, dependencies resolve from the repository's node_modules.
// The bundle lives under out/ (beside the repository's node_modules) and is removed with `cleanup`.
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '../..');

export async function buildChildScript(entry: string, name: string): Promise<{ path: string; cleanup: () => void }> {
  const outDir = join(root, 'out', `${name}-${process.pid}`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies)];
  await build({
    configFile: false,
    logLevel: 'silent',
    root,
    build: {
      ssr: true,
      target: 'node20',
      outDir,
      emptyOutDir: true,
      minify: false,
      rollupOptions: {
        input: { [name]: entry },
        external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
        output: { format: 'esm', entryFileNames: '[name].mjs' },
      },
    },
  });
  return { path: join(outDir, `${name}.mjs`), cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
}
