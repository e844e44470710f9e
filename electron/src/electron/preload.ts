import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

import type { DesktopApi, SidecarStatus } from '../ui/desktopApi';
import { IpcChannels, type InvokeChannel, type IpcInvokeMap } from './ipcChannels';

/** ipcRenderer.invoke limited to our channels and typed by them. */
function invoke<C extends InvokeChannel>(channel: C, ...args: IpcInvokeMap[C]['args']): Promise<IpcInvokeMap[C]['result']> {
  return ipcRenderer.invoke(channel, ...args);
}

/** The narrow API of electron/src/ui/desktopApi.ts; ipcRenderer itself never reaches the page. */
const api: DesktopApi = {
  openFile: (options) => invoke(IpcChannels.openFile, options),
  saveFile: (options) => invoke(IpcChannels.saveFile, options),
  sidecarStatus: () => invoke(IpcChannels.sidecarStatus),
  onSidecarStatus: (listener) => {
    // Only the payload is passed on: the event object would expose the sender to the page.
    const forward = (_event: IpcRendererEvent, status: SidecarStatus) => listener(status);
    ipcRenderer.on(IpcChannels.sidecarStatusChanged, forward);
    return () => {
      ipcRenderer.removeListener(IpcChannels.sidecarStatusChanged, forward);
    };
  },
};

contextBridge.exposeInMainWorld('bulkmsg', api);
