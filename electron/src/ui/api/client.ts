/**
 * The one module that talks to the sidecar. Every URL is relative, so the UI works same-origin
 * whether the sidecar serves it (Electron, plain browser) or Vite proxies it (development).
 */
import type {
  ExportFormat, ExportWhat, Health, ImportInfo, NumberCheck, PatchRowResult, RegionsResponse,
  RemapRequest, RowsPage, StatusFilter,
} from './types';

/** An error the sidecar reported (`{error, code}`), or a network failure (code `network`). */
export class ApiError extends Error {
  constructor(public readonly code: string, message: string, public readonly status: number) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'bulkmsg.accessToken';
const unauthorizedListeners = new Set<() => void>();

/**
 * The sidecar's access token, which only a UI opened from another machine needs (loopback is trusted).
 * Kept for this browser session only, as docs/api.md suggests.
 */
export function accessToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Remember the token the user typed. */
export function setAccessToken(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_KEY, token.trim());
  } catch {
    // Without storage the token cannot outlive this page; the next 401 asks again.
  }
}

/** Be told when the sidecar refuses a request for want of a (valid) token; returns an unsubscribe function. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** The Authorization header, when there is a token. */
function authHeaders(): Record<string, string> {
  const token = accessToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** Turn a non-2xx response body into an ApiError, tolerating non-JSON bodies. */
function errorFromBody(status: number, text: string): ApiError {
  let error = new ApiError('http_' + status, `The local service answered with status ${status}.`, status);
  try {
    const body = JSON.parse(text) as { error?: string; code?: string };
    if (body && typeof body.error === 'string') error = new ApiError(body.code ?? 'error', body.error, status);
  } catch {
    // Not JSON: keep the generic message rather than showing raw HTML to the user.
  }
  if (error.code === 'unauthorized') unauthorizedListeners.forEach((listener) => listener());
  return error;
}

/** fetch + JSON decoding + uniform errors. */
async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...(init?.headers as Record<string, string>), ...authHeaders() } });
  } catch {
    throw new ApiError('network', 'Cannot reach the local service. Is the app still running?', 0);
  }
  const text = await response.text();
  if (!response.ok) throw errorFromBody(response.status, text);
  return JSON.parse(text) as T;
}

/** A JSON request with a body. */
function sendJson<T>(method: string, path: string, body: unknown): Promise<T> {
  return request<T>(path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** GET /health */
export function getHealth(): Promise<Health> {
  return request<Health>('/health');
}

/** GET /regions */
export function getRegions(): Promise<RegionsResponse> {
  return request<RegionsResponse>('/regions');
}

/** POST /validate-number */
export function validateNumber(number: string, defaultRegion: string): Promise<NumberCheck> {
  return sendJson<NumberCheck>('POST', '/validate-number', { number, default_region: defaultRegion });
}

/** POST /parse-manual-numbers (arrays cut to zero: rows are paged afterwards). */
export function parseManualNumbers(numbers: string, defaultRegion: string): Promise<ImportInfo> {
  return sendJson<ImportInfo>('POST', '/parse-manual-numbers?limit=0', { numbers, default_region: defaultRegion });
}

export interface UploadOptions {
  file: Blob;
  fileName: string;
  defaultRegion: string;
  onProgress?: (sentFraction: number) => void;
  onUploaded?: () => void;
  signal?: AbortSignal;
}

/** POST /upload with XMLHttpRequest, because fetch has no upload progress events. */
export function uploadFile(options: UploadOptions): Promise<ImportInfo> {
  const form = new FormData();
  form.append('file', options.file, options.fileName);
  form.append('default_region', options.defaultRegion);
  return new Promise<ImportInfo>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/upload?limit=0');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    };
    xhr.upload.onload = () => options.onUploaded?.();
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as ImportInfo);
      else reject(errorFromBody(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => reject(new ApiError('network', 'The upload was interrupted: cannot reach the local service.', 0));
    xhr.onabort = () => reject(new ApiError('aborted', 'Upload cancelled.', 0));
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}

/** GET /imports/<id> */
export function getImport(importId: string): Promise<ImportInfo> {
  return request<ImportInfo>(`/imports/${encodeURIComponent(importId)}`);
}

export interface RowsQuery {
  status: StatusFilter;
  q: string;
  offset: number;
  limit: number;
}

/** GET /imports/<id>/rows */
export function getRows(importId: string, query: RowsQuery, signal?: AbortSignal): Promise<RowsPage> {
  const params = new URLSearchParams({
    status: query.status, q: query.q, offset: String(query.offset), limit: String(query.limit),
  });
  return request<RowsPage>(`/imports/${encodeURIComponent(importId)}/rows?${params}`, { signal });
}

/** PATCH /imports/<id>/rows/<entry_id>: re-validate one corrected entry. */
export function fixRow(importId: string, entryId: number, value: string): Promise<PatchRowResult> {
  return sendJson<PatchRowResult>('PATCH', `/imports/${encodeURIComponent(importId)}/rows/${entryId}`, { value });
}

/** POST /imports/<id>/remap: a new import of the same stored table with another mapping/region/sheet. */
export function remapImport(importId: string, remap: RemapRequest): Promise<ImportInfo> {
  return sendJson<ImportInfo>('POST', `/imports/${encodeURIComponent(importId)}/remap?limit=0`, remap);
}

/**
 * Download an export through fetch, for a UI that must send the token (a plain link cannot carry it):
 * the file is saved from a blob URL under FILE_NAME.
 */
export async function downloadWithToken(url: string, fileName: string): Promise<void> {
  const response = await fetch(url, { headers: authHeaders() });
  if (!response.ok) throw errorFromBody(response.status, await response.text());
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = fileName;
  link.click();
  // Revoked later, not at once: the browser reads the blob after click() returns.
  window.setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** The same-origin URL of an export download. */
export function exportUrl(importId: string, what: ExportWhat, format: ExportFormat): string {
  const params = new URLSearchParams({ what, format });
  return `/imports/${encodeURIComponent(importId)}/export?${params}`;
}
