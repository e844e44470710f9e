import { BrowserWindow, type Session, type WebContents } from 'electron';

import { buildWebPreferences, isNavigationAllowed } from './security';

/**
 * The app's only window, shown once it has something to paint. Its navigation and pop-up rules come
 * from hardenWebContents(), which main.ts applies to every webContents as it is created.
 */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Bulk Messaging',
    webPreferences: buildWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  return win;
}

/**
 * No pop-ups, no <webview>, no navigation or redirect away from the app's origin. Links are not
 * opened in the system browser either: the UI has no outside links, so there is nothing to allow.
 */
export function hardenWebContents(contents: WebContents, appOrigin: string): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isNavigationAllowed(event.url, appOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isNavigationAllowed(event.url, appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Deny every permission request and check, and send the CSP as a header too (the meta tag can be lost). */
export function hardenSession(session: Session, csp: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'),
    );
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}
