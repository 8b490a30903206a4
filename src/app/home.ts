// Where a forest lives on disk: GROVE_HOME, else the platform's per-user data folder. The CLI, the server
// and the desktop app all resolve it here, so they open the same forest.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function defaultForestHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.GROVE_HOME) return resolve(env.GROVE_HOME);
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Grove');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Grove');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'grove');
}

export function catalogPath(forestHome: string): string {
  return join(forestHome, 'catalog.sqlite');
}

/** The training runs' folders (runs/<run id>: checkpoints, metrics, the trained model). */
export function runsDir(forestHome: string): string {
  return join(forestHome, 'runs');
}
