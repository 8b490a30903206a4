// Builds better-sqlite3 a second time, against Electron's ABI, into native/electron/, so that the
// same checkout runs the catalog under Node (CLI, tests, server) and under Electron (the app) with no
// manual rebuild: the Electron main process loads this copy through better-sqlite3's `nativeBinding`.
// Packaged apps do not need it: electron-builder rebuilds node_modules for Electron when packaging.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = dirname(dirname(new URL(import.meta.url).pathname));
const target = join(root, 'native/electron/better_sqlite3.node');

function fail(message) {
  console.log(`build-native-electron: ${message}`);
  process.exit(1);
}

let electronVersion;
try {
  electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json', { paths: [root] }), 'utf8')).version;
} catch {
  fail('the electron package is not installed');
}
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json', { paths: [root] }));

// npm sets npm_config_node_gyp inside scripts; otherwise use the node-gyp that ships inside npm.
const npmRoot = dirname(dirname(process.env.npm_execpath ?? join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js')));
const nodeGyp = process.env.npm_config_node_gyp ?? join(npmRoot, 'node_modules/node-gyp/bin/node-gyp.js');
if (!existsSync(nodeGyp)) fail(`node-gyp not found at ${nodeGyp}`);

const work = mkdtempSync(join(tmpdir(), 'grove-sqlite-electron-'));
try {
  cpSync(sqliteDir, work, { recursive: true, filter: (src) => !src.includes(`${sqliteDir}/build`) });
  const r = spawnSync(
    process.execPath,
    [nodeGyp, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'],
    {
      cwd: work,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) fail(`node-gyp failed (exit ${r.status}); Electron's headers must be downloadable`);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp`;
  cpSync(join(work, 'build/Release/better_sqlite3.node'), tmp);
  renameSync(tmp, target);
  console.log(`build-native-electron: wrote ${target} for Electron ${electronVersion}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
