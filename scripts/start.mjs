// `npm start`: the desktop app when Electron can run here, otherwise browser mode (`grove serve`).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { electronBinary } from './electron-binary.mjs';

const root = dirname(dirname(new URL(import.meta.url).pathname));

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function exec(cmd, args) {
  const child = spawn(cmd, args, { stdio: 'inherit', cwd: root });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}

if (!existsSync(join(root, 'out/main/index.js')) || !existsSync(join(root, 'out/node/cli.js'))) {
  console.log('Grove is not built yet: run `npm run build` (or `npm ci`, which builds) first.');
  process.exit(1);
}

const binary = electronBinary(root);
const reason = !binary ? 'the Electron binary is not installed (its download needs GitHub)' : !hasDisplay() ? 'there is no display' : null;
if (reason) {
  console.log(`Grove desktop app unavailable: ${reason}. Starting browser mode (grove serve) instead.`);
  exec(process.execPath, [join(root, 'out/node/cli.js'), 'serve', ...process.argv.slice(2)]);
} else {
  exec(binary, [root, ...process.argv.slice(2)]);
}
