import type { WebPreferences } from 'electron';

import { policyText } from './csp';

/**
 * The renderer's webPreferences, per Electron's security checklist: no Node in any frame or worker,
 * isolated and sandboxed preload, web security on, no <webview>. Pinned by tests/electron/security.test.ts.
 */
export function buildWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/**
 * The Content-Security-Policy header for the app's pages: python-backend/sidecar/csp.json, which the sidecar
 * sends with the UI too; with the Vite dev server, relaxed only as far as that server needs (see csp.ts).
 */
export function contentSecurityPolicy(devServerOrigin?: string): string {
  return policyText(devServerOrigin);
}

/** The origin of a URL, or null when it has none (data:, about:, garbage). */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** Navigation is allowed only within the app's own origin. */
export function isNavigationAllowed(targetUrl: string, appOrigin: string): boolean {
  return originOf(targetUrl) === appOrigin;
}

/** What an IPC event tells us about who sent it (a subset of Electron's IpcMainInvokeEvent). */
export interface IpcSenderInfo {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

/** The app's window, as far as sender checks need it. */
export interface TrustedWindow {
  webContentsId: number;
  appOrigin: string;
}

/** A message is trusted only from the app window's top frame while it shows the app's origin. */
export function isTrustedSender(event: IpcSenderInfo, trusted: TrustedWindow | null): boolean {
  if (!trusted || event.sender.id !== trusted.webContentsId) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent) return false;
  return originOf(frame.url) === trusted.appOrigin;
}

/** Wrap an IPC handler so messages from any other sender are refused before the handler runs. */
export function guardSender<E extends IpcSenderInfo, A extends unknown[], R>(
  trusted: () => TrustedWindow | null,
  handler: (event: E, ...args: A) => R,
): (event: E, ...args: A) => R {
  return (event, ...args) => {
    if (!isTrustedSender(event, trusted())) {
      throw new Error('IPC message refused: it did not come from the app window.');
    }
    return handler(event, ...args);
  };
}

/**
 * The sidecar URL for a same-origin path the renderer asked to save (e.g. '/imports/x/export?...'),
 * or null when the request points anywhere else.
 */
export function sidecarUrlForPath(requested: unknown, sidecarBase: string): string | null {
  if (typeof requested !== 'string' || !requested.startsWith('/') || requested.startsWith('//')) return null;
  try {
    const url = new URL(requested, sidecarBase);
    return url.origin === new URL(sidecarBase).origin ? url.href : null;
  } catch {
    return null;
  }
}
