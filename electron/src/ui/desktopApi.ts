/**
 * The optional bridge the Electron preload exposes as `window.bulkmsg`.
 *
 * CONTRACT WITH THE ELECTRON PRELOAD (electron/src/electron/): the preload must expose exactly this
 * shape with contextBridge.exposeInMainWorld('bulkmsg', ...). In a normal browser `window.bulkmsg` is
 * undefined and the UI falls back to <input type=file>, drag-and-drop and plain download links.
 */

/** The sidecar process as the main process sees it. */
export interface SidecarStatus {
  state: 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';
  /** Human-readable detail for 'failed' / 'restarting' (shown to the user as is). */
  message?: string;
}

export interface FileFilter {
  name: string;
  extensions: string[];
}

/** A file the user picked in the native dialog, read by the main process. */
export interface OpenedFile {
  name: string;
  data: ArrayBuffer;
}

export interface SaveResult {
  saved: boolean;
  path?: string;
}

export interface DesktopApi {
  /** Native open dialog; resolves null when the user cancels. */
  openFile(options: { title?: string; filters?: FileFilter[] }): Promise<OpenedFile | null>;
  /**
   * Native save dialog, then the main process downloads `url` (a same-origin path such as
   * '/imports/imp_1/export?what=contacts&format=csv') from the sidecar into the chosen file.
   */
  saveFile(options: { url: string; suggestedName: string; filters?: FileFilter[] }): Promise<SaveResult>;
  /** The sidecar's current state. */
  sidecarStatus(): Promise<SidecarStatus>;
  /** Subscribe to sidecar state changes; returns an unsubscribe function. */
  onSidecarStatus(listener: (status: SidecarStatus) => void): () => void;
}

declare global {
  interface Window {
    bulkmsg?: DesktopApi;
  }
}

/** The desktop bridge when running inside Electron, otherwise undefined. */
export function desktopApi(): DesktopApi | undefined {
  return typeof window === 'undefined' ? undefined : window.bulkmsg;
}
