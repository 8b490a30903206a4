// Electron main process: one window, the app menu, the IPC router. It never runs tensor math itself.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, Menu } from 'electron';
import { GroveService } from '../app/api/service';
import { defaultForestHome } from '../app/home';
import { registerDesktopIpc, sendOpenFolder } from './ipc/desktop';
import { forwardEvents, registerIpc } from './ipc/router';
import { checkpointRunningJobs, resumeAfterRestart, saveResumeList } from './graceful-quit';
import { notifyJobEnds } from './job-notices';
import { inferLauncherFrom } from '../app/infer/host';
import { utilityWorkerLauncher } from './jobs/utility-launcher';
import { buildMenu } from './menu';
import { hardenApp } from './security';
import { serveOpenAiEndpoint } from './openai-endpoint';
import { loadWindowState, trackWindowState } from './window-state';

const here = dirname(fileURLToPath(import.meta.url)); // out/main
const appRoot = join(here, '../..');
const rendererIndex = join(here, '../renderer/index.html');
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;

function isTrustedUrl(url: string): boolean {
  if (devServerUrl && url.startsWith(devServerUrl)) return true;
  return url.startsWith(pathToFileURL(rendererIndex).href);
}

/** better-sqlite3 built for Electron's ABI (scripts/build-native-electron.mjs); packaged apps are rebuilt by electron-builder. */
function electronSqliteBinding(): string | undefined {
  if (app.isPackaged) return undefined;
  const file = join(appRoot, 'native/electron/better_sqlite3.node');
  if (existsSync(file)) return file;
  console.warn('Grove: native/electron/better_sqlite3.node is missing; run `npm run native:electron` (needs network once).');
  return undefined;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  hardenApp(isTrustedUrl, [pathToFileURL(join(here, '../renderer')).href + '/', ...(devServerUrl ? [devServerUrl] : [])]);
  let win: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  app.whenReady().then(() => {
    const stateDir = app.getPath('userData');
    mkdirSync(stateDir, { recursive: true });
    const workers = utilityWorkerLauncher(join(appRoot, 'out/node/job-worker.js'), 'jobs', { sqliteBinding: electronSqliteBinding() });
    // Chat replies run in their own long-lived utility process, so they go on while a training job runs.
    const inference = inferLauncherFrom(utilityWorkerLauncher(join(appRoot, 'out/node/infer-worker.js'), 'inference'));
    const forestHome = defaultForestHome();
    const api = new GroveService({
      forestHome,
      transport: 'electron',
      catalog: { nativeBinding: electronSqliteBinding() },
      workers,
      inference,
    });
    registerIpc({ api, isTrustedUrl });
    void serveOpenAiEndpoint(api, forestHome);
    registerDesktopIpc(isTrustedUrl);
    notifyJobEnds(api);
    // Jobs the last quit paused pick up from their checkpoints.
    void resumeAfterRestart(api, stateDir);
    Menu.setApplicationMenu(buildMenu({ openFolder: () => win && void sendOpenFolder(win) }));

    const state = loadWindowState(stateDir);
    win = new BrowserWindow({
      ...(state.placed ? state.bounds : { width: state.bounds.width, height: state.bounds.height }),
      minWidth: 800,
      minHeight: 560,
      show: false,
      title: 'Grove',
      // Linux takes the window's icon from here (macOS and Windows from the packaged app's own icon).
      icon: join(appRoot, 'resources/icons/512x512.png'),
      backgroundColor: '#10151a',
      webPreferences: {
        preload: join(here, '../preload/index.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
        // Developer tools only in development: a packaged app gives no console to whoever sits at it.
        devTools: !app.isPackaged,
      },
    });
    if (state.maximized) win.maximize();
    trackWindowState(win, stateDir);
    forwardEvents(api, win.webContents);
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => (win = null));
    if (devServerUrl) void win.loadURL(devServerUrl);
    else void win.loadFile(rendererIndex);

    // Quitting: running jobs pause first (a training writes its checkpoint), to resume at the next start.
    let quitting = false;
    app.on('before-quit', (event) => {
      if (quitting) return;
      event.preventDefault();
      quitting = true;
      win?.hide();
      void checkpointRunningJobs(api, { timeoutMs: 30_000 })
        .then((ids) => saveResumeList(stateDir, ids))
        .catch((err: unknown) => console.error('Grove: pausing the running jobs before quitting failed:', err))
        .finally(() => {
          api.close();
          app.quit();
        });
    });
    app.on('window-all-closed', () => app.quit());
  });
}
