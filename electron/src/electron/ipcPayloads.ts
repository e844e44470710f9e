import path from 'node:path';

import type { FileFilter, SidecarStatus as UiSidecarStatus } from '../ui/desktopApi';
import type { SidecarStatus } from './sidecar';

/** The status in exactly the shape the UI's desktopApi.ts declares. */
export function toUiStatus(status: SidecarStatus): UiSidecarStatus {
  return status.message ? { state: status.state, message: status.message } : { state: status.state };
}

/** Dialog filters from the renderer, keeping only well-formed entries (IPC payloads are untrusted). */
export function sanitizeFilters(filters: unknown): FileFilter[] {
  if (!Array.isArray(filters)) return [];
  return filters
    .filter((f): f is FileFilter => typeof f?.name === 'string' && Array.isArray(f?.extensions))
    .map((f) => ({
      name: f.name.slice(0, 100),
      extensions: f.extensions.filter((e): e is string => typeof e === 'string' && /^[\w*]{1,16}$/.test(e)),
    }))
    .filter((f) => f.extensions.length > 0);
}

/** A plain file name for the save dialog's default: no folders, no control characters. */
export function safeFileName(suggested: unknown, fallback = 'export'): string {
  if (typeof suggested !== 'string') return fallback;
  const base = path.basename(suggested.replace(/\\/g, '/')).replace(/[\u0000-\u001f<>:"|?*]/g, '_').trim();
  return base && base !== '.' && base !== '..' ? base.slice(0, 200) : fallback;
}

/** The dialog title, if the renderer sent a sensible one. */
export function safeTitle(title: unknown): string | undefined {
  return typeof title === 'string' && title.length > 0 ? title.slice(0, 200) : undefined;
}
