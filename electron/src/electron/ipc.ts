import path from 'node:path';

import { app, dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';

import { downloadToFile, readPickedFile } from './fileTransfer';
import { IpcChannels, type InvokeChannel, type IpcInvokeMap, type OpenFileOptions, type SaveFileOptions } from './ipcChannels';
import { safeFileName, safeTitle, sanitizeFilters, toUiStatus } from './ipcPayloads';
import { guardSender, sidecarUrlForPath, type TrustedWindow } from './security';
import type { Sidecar } from './sidecar';

/** What the handlers need from the rest of the main process. */
export interface IpcContext {
  window: () => BrowserWindow | null;
  appOrigin: string;
  sidecarBase: string;
  sidecar: () => Sidecar | null;
}

type Handler<C extends InvokeChannel> = (
  event: IpcMainInvokeEvent,
  ...args: IpcInvokeMap[C]['args']
) => Promise<IpcInvokeMap[C]['result']> | IpcInvokeMap[C]['result'];

/** Register every invoke handler, each behind the sender check. */
export function registerIpcHandlers(ctx: IpcContext): void {
  const trusted = (): TrustedWindow | null => {
    const win = ctx.window();
    return win && !win.isDestroyed() ? { webContentsId: win.webContents.id, appOrigin: ctx.appOrigin } : null;
  };
  handle(IpcChannels.openFile, trusted, (_event, options) => openFile(ctx, options));
  handle(IpcChannels.saveFile, trusted, (_event, options) => saveFile(ctx, options));
  handle(IpcChannels.sidecarStatus, trusted, () => toUiStatus(ctx.sidecar()?.status ?? { state: 'starting', restarts: 0 }));
}

/** ipcMain.handle with the channel's types and the sender guard. */
function handle<C extends InvokeChannel>(channel: C, trusted: () => TrustedWindow | null, handler: Handler<C>): void {
  ipcMain.removeHandler(channel);
  ipcMain.handle(channel, guardSender(trusted, handler as (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown));
}

/** Native open dialog, then the picked file's bytes. */
async function openFile(ctx: IpcContext, options: OpenFileOptions): Promise<IpcInvokeMap['bulkmsg:open-file']['result']> {
  const win = ctx.window();
  if (!win) return null;
  const picked = await dialog.showOpenDialog(win, {
    title: safeTitle(options?.title),
    filters: sanitizeFilters(options?.filters),
    properties: ['openFile'],
  });
  if (picked.canceled || picked.filePaths.length === 0) return null;
  return readPickedFile(picked.filePaths[0]);
}

/** Native save dialog, then the sidecar download streamed into the chosen file. */
async function saveFile(ctx: IpcContext, options: SaveFileOptions): Promise<IpcInvokeMap['bulkmsg:save-file']['result']> {
  const url = sidecarUrlForPath(options?.url, ctx.sidecarBase);
  if (!url) throw new Error('saveFile only downloads paths of the local sidecar.');
  const win = ctx.window();
  if (!win) return { saved: false };
  const chosen = await dialog.showSaveDialog(win, {
    defaultPath: path.join(app.getPath('downloads'), safeFileName(options?.suggestedName)),
    filters: sanitizeFilters(options?.filters),
  });
  if (chosen.canceled || !chosen.filePath) return { saved: false };
  await downloadToFile(url, chosen.filePath);
  return { saved: true, path: chosen.filePath };
}

/** Push a status change to the renderer. */
export function sendSidecarStatus(win: BrowserWindow | null, status: Parameters<typeof toUiStatus>[0]): void {
  if (win && !win.isDestroyed()) win.webContents.send(IpcChannels.sidecarStatusChanged, toUiStatus(status));
}
