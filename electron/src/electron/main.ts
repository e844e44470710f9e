import path from 'node:path';

import { app, dialog, session, type BrowserWindow } from 'electron';

import { DEFAULT_HOST } from '../generated/constants';
import { resolveAppUrls, type AppUrls } from './appConfig';
import { errorPageHtml, loadingPageHtml, toDataUrl } from './errorPage';
import { findSidecar } from './findSidecar';
import { registerIpcHandlers, sendSidecarStatus } from './ipc';
import { contentSecurityPolicy } from './security';
import { Sidecar, type SidecarStatus } from './sidecar';
import { SidecarError } from './sidecarError';
import { createMainWindow, hardenSession, hardenWebContents } from './windows';

const APP_TITLE = 'Bulk Messaging';

let mainWindow: BrowserWindow | null = null;
let sidecar: Sidecar | null = null;
let shutdown: 'running' | 'stopping' | 'done' = 'running';

/** Entry: one instance only, then start the app; every failure ends in fatalError(). */
function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const urls = resolveAppUrls(app.isPackaged, process.env);
  app.on('second-instance', focusMainWindow);
  // Every webContents, not just our window's, gets the same navigation and pop-up rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, urls.appOrigin));
  // The sidecar lives and dies with the window, on macOS too: no window means nothing to serve.
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', onBeforeQuit);
  app.whenReady().then(() => startApp(urls)).catch(fatalError);
}

/** Window with a loading page, sidecar until healthy, then the UI. */
async function startApp(urls: AppUrls): Promise<void> {
  hardenSession(session.defaultSession, contentSecurityPolicy(urls.devServerOrigin));
  mainWindow = createMainWindow(path.join(__dirname, 'preload.cjs'));
  mainWindow.on('closed', () => (mainWindow = null));
  registerIpcHandlers({ window: () => mainWindow, appOrigin: urls.appOrigin, sidecarBase: urls.sidecarBase, sidecar: () => sidecar });
  await mainWindow.loadURL(toDataUrl(loadingPageHtml()));
  sidecar = createSidecar(urls);
  await sidecar.start();
  await mainWindow.loadURL(urls.appUrl);
}

/** The sidecar for this layout (frozen binary or dev Python), with its data in the user's data directory. */
function createSidecar(urls: AppUrls): Sidecar {
  const found = findSidecar({
    isPackaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    appPath: app.getAppPath(),
    pythonOverride: process.env.BULKMSG_PYTHON,
  });
  const dataDir = path.join(app.getPath('userData'), 'sidecar-data');
  const instance = new Sidecar({
    command: found.command,
    args: Sidecar.buildLaunchArgs(found.entry, { host: DEFAULT_HOST, port: urls.port, dataDir, parentPid: process.pid }),
    port: urls.port,
    cwd: found.cwd,
    env: { BULKMSG_DATA_DIR: dataDir, ...(urls.devServerOrigin ? { BULKMSG_DEV_ORIGINS: urls.devServerOrigin } : {}) },
  });
  instance.on('status', onSidecarStatus);
  instance.on('failed', (error: SidecarError) => showErrorScreen('The sidecar stopped working', error));
  return instance;
}

/** Forward status to the UI and show restarts in the title bar too, whatever the UI does with them. */
function onSidecarStatus(status: SidecarStatus): void {
  console.log(`[sidecar] ${status.state}${status.message ? `: ${status.message}` : ''}`);
  sendSidecarStatus(mainWindow, status);
  if (mainWindow && !mainWindow.isDestroyed()) {
    mainWindow.setTitle(status.state === 'restarting' ? `${APP_TITLE} — restarting the sidecar…` : APP_TITLE);
  }
}

/** Replace the window's content with a readable error and the sidecar's last log lines. */
function showErrorScreen(title: string, error: Error): void {
  if (!mainWindow || mainWindow.isDestroyed()) return;
  const logLines = error instanceof SidecarError && error.logLines.length ? error.logLines : (sidecar?.logLines() ?? []);
  const html = errorPageHtml({ title, message: error.message, logLines, hint: 'Close this window to quit.' });
  void mainWindow.loadURL(toDataUrl(html));
  mainWindow.show();
}

/** The one failure path: log it, show it (error screen if we have a window, else a dialog), exit if nothing is left to show. */
function fatalError(error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  console.error('[main] fatal:', err);
  if (shutdown !== 'running') return; // quitting mid-start: the aborted start is not an error to show
  if (mainWindow && !mainWindow.isDestroyed()) {
    showErrorScreen('Bulk Messaging could not start', err);
    return;
  }
  dialog.showErrorBox('Bulk Messaging could not start', err.message);
  app.exit(1);
}

/** Hold the quit until the sidecar's whole process tree is gone (stop() has its own timeouts). */
function onBeforeQuit(event: Electron.Event): void {
  if (shutdown === 'done' || !sidecar) return;
  event.preventDefault();
  if (shutdown === 'stopping') return;
  shutdown = 'stopping';
  sidecar
    .stop()
    .catch((error: unknown) => console.error('[main] sidecar did not stop cleanly:', error))
    .finally(() => {
      shutdown = 'done';
      app.exit(0);
    });
}

/** A second launch focuses the existing window. */
function focusMainWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

main();
