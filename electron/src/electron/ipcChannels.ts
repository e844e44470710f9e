import type { DesktopApi, OpenedFile, SaveResult, SidecarStatus } from '../ui/desktopApi';

/** Every IPC channel the app uses, in one place, so preload and main cannot drift apart. */
export const IpcChannels = {
  openFile: 'bulkmsg:open-file',
  saveFile: 'bulkmsg:save-file',
  sidecarStatus: 'bulkmsg:sidecar-status',
  /** main -> renderer push; the others are renderer -> main invokes. */
  sidecarStatusChanged: 'bulkmsg:sidecar-status-changed',
} as const;

export type OpenFileOptions = Parameters<DesktopApi['openFile']>[0];
export type SaveFileOptions = Parameters<DesktopApi['saveFile']>[0];

/** Parameters and result of each invoke channel. */
export interface IpcInvokeMap {
  [IpcChannels.openFile]: { args: [OpenFileOptions]; result: OpenedFile | null };
  [IpcChannels.saveFile]: { args: [SaveFileOptions]; result: SaveResult };
  [IpcChannels.sidecarStatus]: { args: []; result: SidecarStatus };
}

/** Payload of each main -> renderer event channel. */
export interface IpcEventMap {
  [IpcChannels.sidecarStatusChanged]: SidecarStatus;
}

export type InvokeChannel = keyof IpcInvokeMap;
export type EventChannel = keyof IpcEventMap;
