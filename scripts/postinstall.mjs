// Post-install steps whose downloads may fail offline: each one is tried, and a failure is one clear
// line, never a failed `npm ci`. Dependencies' own install scripts for these packages are not approved
// in package.json's allowScripts on purpose, because they exit non-zero without a network.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = dirname(dirname(new URL(import.meta.url).pathname));
const TIMEOUT_MS = 5 * 60_000;

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`, { paths: [root] }));
  } catch {
    return null;
  }
}

function run(label, args, cwd, env = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  const ok = r.status === 0;
  if (!ok) {
    const lines = (r.error?.message ?? `${r.stderr ?? ''}${r.stdout ?? ''}`)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const why = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines[0] ?? `exit ${r.status}`;
    console.log(`grove postinstall: ${label} skipped (${why.slice(0, 160)})`);
  }
  return ok;
}

// 1. ONNX Runtime's CUDA provider (Linux x64 only; about 300 MB from NuGet). CPU needs nothing extra.
function installOrtCuda() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return;
  const flag = process.env.ONNXRUNTIME_NODE_INSTALL ?? process.env.npm_config_onnxruntime_node_install;
  if (flag === 'skip') {
    console.log('grove postinstall: ONNX Runtime CUDA provider not installed (ONNXRUNTIME_NODE_INSTALL=skip).');
    return;
  }
  const dir = packageDir('onnxruntime-node');
  if (!dir) return;
  const lib = join(dir, 'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so');
  if (existsSync(lib)) return;
  // Forced with `=true`: without a flag the script takes a run from our root for a local dev install and exits,
  // and in onnxruntime-node 1.30 a named flag (`=cuda12`) is parsed to undefined, which does the same.
  const ok = run('ONNX Runtime CUDA provider download', ['script/install.js', '--onnxruntime-node-install=true'], dir);
  if (!ok) console.log('grove postinstall: the CPU provider works; run `npm run setup:gpu` when online to add CUDA.');
}

// 2. The Electron binary (from GitHub). Without it, `npm start` runs Grove in browser mode.
function installElectron() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return;
  const dir = packageDir('electron');
  if (!dir) return; // production install without devDependencies
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const versionFile = join(dir, 'dist', 'version');
  if (existsSync(versionFile) && readFileSync(versionFile, 'utf8').replace(/^v/, '').trim() === version) return;
  const ok = run('Electron binary download', ['install.js'], dir);
  if (!ok) console.log('grove postinstall: without the Electron binary, `npm start` opens Grove in the browser instead.');
  else run('better-sqlite3 build for Electron', [join(root, 'scripts/build-native-electron.mjs')], root);
}

installOrtCuda();
installElectron();
