/**
 * The one module that talks to the sidecar: every request, upload, download link and event stream of
 * every screen goes through here. URLs are relative, so the UI works same-origin whether the sidecar serves
 * it (Electron, plain browser) or Vite proxies it (development).
 *
 * Access from another machine needs the sidecar's token (docs/api.md, "Who may use the sidecar"):
 * fetches send it as a bearer header; links and EventSource cannot send headers, so the token is exchanged
 * once for the sidecar's HttpOnly session cookie (POST /access/session), which the browser then sends.
 */
import type {
  Answer, CampaignAction, CampaignLive, ExportFormat, ExportWhat, Health, ImportInfo, ProgressEvent, RemapRequest,
  Attachment, RequestBody, StatusFilter, WhatsAppCheckJob, WhatsAppWebLink,
} from './types';
import type { ConsentKeywords, InboxMessage, InboxPage, InboxState, InboxThread, KeywordLists, WebhooksStatus } from './deliveryTypes';

/**
 * An error the sidecar reported (`{error, code}`), or a network failure (code `network`). DETAILS is the error's
 * JSON body, whose extra fields some codes carry for the UI (e.g. unknown_placeholder's `suggestions`, `columns`).
 */
export class ApiError extends Error {
  constructor(public readonly code: string, message: string, public readonly status: number,
    public readonly details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
  }
}

const TOKEN_KEY = 'bulkmsg.accessToken';
const unauthorizedListeners = new Set<() => void>();
const loggedOutListeners = new Set<() => void>();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Team mode: the session's CSRF token, sent on every state-changing request (GET /session, login). */
let csrfToken: string | null = null;
const storageListeners = new Set<() => void>();
const networkListeners = new Set<() => void>();

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

/** Team mode: be told when the session is gone (401 not_logged_in): the app shows the login screen. */
export function onLoggedOut(listener: () => void): () => void {
  loggedOutListeners.add(listener);
  return () => loggedOutListeners.delete(listener);
}

/** Be told when a request failed because the sidecar cannot write its storage (507). */
export function onStorageError(listener: () => void): () => void {
  storageListeners.add(listener);
  return () => storageListeners.delete(listener);
}

/** Be told when a request could not reach the sidecar at all (a hint that it may be gone); returns an unsubscribe function. */
export function onNetworkError(listener: () => void): () => void {
  networkListeners.add(listener);
  return () => networkListeners.delete(listener);
}

/**
 * A catch handler for background loads whose failure the app already shows elsewhere: a 401 opens the token
 * dialog, a 507 the storage banner, and an unreachable sidecar its status banner.
 */
export function alreadyReported(): void {}

/** The Authorization header, when there is a token, and the session's CSRF header on state-changing requests. */
function authHeaders(method = 'GET'): Record<string, string> {
  const token = accessToken();
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (csrfToken && !SAFE_METHODS.has(method.toUpperCase())) headers['X-CSRF-Token'] = csrfToken;
  return headers;
}

/** Turn a non-2xx response body into an ApiError (tolerating non-JSON bodies) and tell the listeners. */
function errorFromBody(status: number, text: string): ApiError {
  let error = new ApiError('http_' + status, `The local service answered with status ${status}.`, status);
  try {
    const body = JSON.parse(text) as { error?: string | { code?: string; message?: string }; code?: string };
    const nested = body && typeof body.error === 'object' ? body.error : null;
    if (body && typeof body.error === 'string') error = new ApiError(body.code ?? 'error', body.error, status, body);
    // The nested form {error: {code, message}} is read too, should an endpoint answer that way.
    else if (nested && typeof nested.message === 'string') {
      error = new ApiError(nested.code ?? body.code ?? 'error', nested.message, status);
    }
  } catch {
    // Not JSON: keep the generic message rather than showing raw HTML to the user.
  }
  if (status === 401 && error.code === 'not_logged_in') loggedOutListeners.forEach((listener) => listener());
  else if (status === 401) unauthorizedListeners.forEach((listener) => listener());
  if (status === 507) storageListeners.forEach((listener) => listener());
  return error;
}

/** fetch with the token; not reaching the sidecar is a `network` ApiError (an abort stays an abort). */
async function reach(path: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(path, { ...init, headers: { ...(init?.headers as Record<string, string>), ...authHeaders(init?.method) } });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    networkListeners.forEach((listener) => listener());
    throw new ApiError('network', 'Cannot reach the local service. Is the app still running?', 0);
  }
}

/** fetch + JSON decoding + uniform errors; an empty body (204) decodes to undefined. */
async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await reach(path, init);
  const text = await response.text();
  if (!response.ok) throw errorFromBody(response.status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A request with a JSON body. */
function sendJson<T>(method: string, path: string, body: unknown): Promise<T> {
  return request<T>(path, { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** A query string of the defined values. */
function query(params: Record<string, string | number | undefined>): URLSearchParams {
  return new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}

let session: Promise<void> | null = null;

/**
 * Exchange the token for the session cookie that links and event streams carry; once per page (a new
 * token reloads the page). Without a token there is nothing to exchange: loopback needs none.
 */
export function ensureSession(): Promise<void> {
  if (!accessToken()) return Promise.resolve();
  session ??= request<void>('/access/session', { method: 'POST' }).catch((err: unknown) => {
    session = null; // a refused token is asked for again (the 401 opened the dialog); try again next time
    throw err;
  });
  return session;
}

// ---- contacts: health, regions, the checker, imports ----

/** GET /health (SIGNAL may end a probe that hangs). */
export function getHealth(signal?: AbortSignal): Promise<Health> {
  return request('/health', { signal });
}

/** GET /regions */
export function getRegions(): Promise<Answer<'regions'>> {
  return request('/regions');
}

/** POST /validate-number */
export function validateNumber(number: string, defaultRegion: string): Promise<Answer<'validateNumber'>> {
  return sendJson('POST', '/validate-number', { number, default_region: defaultRegion });
}

/** POST /parse-manual-numbers (arrays cut to zero: rows are paged afterwards). */
export function parseManualNumbers(numbers: string, defaultRegion: string): Promise<ImportInfo> {
  return sendJson('POST', '/parse-manual-numbers?limit=0', { numbers, default_region: defaultRegion });
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
    for (const [name, value] of Object.entries(authHeaders('POST'))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    };
    xhr.upload.onload = () => options.onUploaded?.();
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as ImportInfo);
      else reject(errorFromBody(xhr.status, xhr.responseText));
    };
    xhr.onerror = () => {
      networkListeners.forEach((listener) => listener());
      reject(new ApiError('network', 'The upload was interrupted: cannot reach the local service.', 0));
    };
    xhr.onabort = () => reject(new ApiError('aborted', 'Upload cancelled.', 0));
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}

/** Bytes received so far and the whole size when the sidecar said it (Content-Length), else null. */
export type DownloadProgress = (received: number, total: number | null) => void;

/**
 * GET PATH as a Blob, read as a stream so ON_PROGRESS hears every piece (an export of 100k contacts is a few MB
 * the sidecar prepares first); a non-2xx answer is its JSON error as an ApiError, like every other request.
 */
export async function downloadFile(path: string, onProgress: DownloadProgress): Promise<Blob> {
  const response = await reach(path);
  if (!response.ok) throw errorFromBody(response.status, await response.text());
  const length = Number(response.headers.get('Content-Length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const type = response.headers.get('Content-Type') ?? '';
  if (!response.body) return new Blob([await response.arrayBuffer()], { type });
  const reader = response.body.getReader();
  const pieces: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  onProgress(0, total);
  for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
    pieces.push(piece.value);
    received += piece.value.byteLength;
    onProgress(received, total);
  }
  return new Blob(pieces, { type });
}

export interface RowsQuery {
  status: StatusFilter;
  q: string;
  offset: number;
  limit: number;
}

/** GET /imports/<id>/rows */
export function getRows(importId: string, rows: RowsQuery, signal?: AbortSignal): Promise<Answer<'getImportRows'>> {
  const params = query({ status: rows.status, q: rows.q, offset: rows.offset, limit: rows.limit });
  return request(`/imports/${encodeURIComponent(importId)}/rows?${params}`, { signal });
}

/** PATCH /imports/<id>/rows/<entry_id>: re-validate one corrected entry. */
export function fixRow(importId: string, entryId: number, value: string): Promise<Answer<'fixImportRow'>> {
  return sendJson('PATCH', `/imports/${encodeURIComponent(importId)}/rows/${entryId}`, { value });
}

/** PATCH /imports/<id>/rows/<entry_id> with a name: rename the contact of that row. */
export function renameRow(importId: string, entryId: number, name: string): Promise<Answer<'fixImportRow'>> {
  return sendJson('PATCH', `/imports/${encodeURIComponent(importId)}/rows/${entryId}`, { name });
}

/** POST /imports/<id>/remap: a new import of the same stored table with another mapping/region/sheet. */
export function remapImport(importId: string, remap: RemapRequest): Promise<ImportInfo> {
  return sendJson('POST', `/imports/${encodeURIComponent(importId)}/remap?limit=0`, remap);
}

/** One import of the history (GET /imports), newest first. */
export type ImportListing = Answer<'listImports'>['imports'][number];

export const importsApi = {
  all: () => request<Answer<'listImports'>>('/imports').then((r) => r.imports),
  remove: (importId: string) => request<unknown>(`/imports/${encodeURIComponent(importId)}`, { method: 'DELETE' }),
  /** An earlier import, shaped as an upload's answer (rows are paged afterwards, as after an upload). */
  open: async (importId: string): Promise<ImportInfo> => {
    const summary = await request<Answer<'getImport'>>(`/imports/${encodeURIComponent(importId)}`);
    return { ...summary, success: true, region_source: 'request', count: summary.summary.valid, truncated: true,
      contacts: [], invalid: [], duplicates: [] };
  },
};

/** The same-origin URL of an export download (a link: the session cookie carries the token). */
export function exportUrl(importId: string, what: ExportWhat, format: ExportFormat): string {
  return `/imports/${encodeURIComponent(importId)}/export?${query({ what, format })}`;
}

// ---- messaging: saved lists, do-not-contact, templates, channels, campaigns ----

export const listsApi = {
  all: () => request<Answer<'listSavedLists'>>('/lists').then((r) => r.lists),
  create: (body: RequestBody<'createSavedList'>) => sendJson<Answer<'createSavedList'>>('POST', '/lists', body),
  rename: (id: number, name: string) => sendJson<Answer<'renameSavedList'>>('PATCH', `/lists/${id}`, { name }),
  remove: (id: number) => request<unknown>(`/lists/${id}`, { method: 'DELETE' }),
  merge: (name: string, listIds: number[]) =>
    sendJson<Answer<'mergeSavedLists'>>('POST', '/lists/merge', { name, list_ids: listIds }),
  contacts: (id: number, q: string, offset: number, limit: number) =>
    request<Answer<'listSavedListContacts'>>(`/lists/${id}/contacts?${query({ q, offset, limit })}`),
  addContact: (id: number, body: RequestBody<'addSavedListContact'>) =>
    sendJson<Answer<'addSavedListContact'>>('POST', `/lists/${id}/contacts`, body),
  editContact: (id: number, contactId: number, body: RequestBody<'editSavedListContact'>) =>
    sendJson<Answer<'editSavedListContact'>>('PATCH', `/lists/${id}/contacts/${contactId}`, body),
  /** Add an import's contacts to list ID, leaving out the numbers and emails it already has. */
  appendImport: (id: number, importId: string) =>
    sendJson<Answer<'appendImportToList'>>('POST', `/lists/${id}/imports`, { import_id: importId }),
  removeContact: (id: number, contactId: number) => request<unknown>(`/lists/${id}/contacts/${contactId}`, { method: 'DELETE' }),
};

export const dncApi = {
  page: (q: string) => request<Answer<'listDoNotContact'>>(`/do-not-contact?${query({ q, limit: 50 })}`),
  add: (values: string, region: string) =>
    sendJson<Answer<'addDoNotContact'>>('POST', '/do-not-contact', { values, default_region: region }),
  remove: (id: number) => request<unknown>(`/do-not-contact/${id}`, { method: 'DELETE' }),
};

export const templatesApi = {
  all: () => request<Answer<'listTemplates'>>('/templates').then((r) => r.templates),
  create: (body: RequestBody<'createTemplate'>) => sendJson<Answer<'createTemplate'>>('POST', '/templates', body),
  preview: (body: RequestBody<'composePreview'>) => sendJson<Answer<'composePreview'>>('POST', '/compose/preview', body),
  /** Who of a list a channel reaches, and who is skipped (no address, opted out, duplicate). */
  reach: (body: RequestBody<'composeReach'>) => sendJson<Answer<'composeReach'>>('POST', '/compose/reach', body),
};

/** The access settings this machine's own app shows: the token, the remote-access switch, the folders. */
export const accessApi = {
  get: () => request<Answer<'getAccess'>>('/settings/access'),
  setRemote: (on: boolean) => sendJson<Answer<'setRemoteAccess'>>('PUT', '/settings/access', { remote_access: on }),
  /** A new token at once: the old one and its cookies stop working. */
  rotate: () => sendJson<Answer<'rotateAccessToken'>>('POST', '/settings/access/token', {}),
};

/** Team mode: log in and out; GET /session says the mode and who is logged in (and keeps the CSRF token). */
export const sessionApi = {
  get: () => request<Answer<'getSession'>>('/session').then(remember),
  login: (name: string, password: string) =>
    sendJson<Answer<'login'>>('POST', '/session/login', { name, password }).then(remember),
  logout: () => sendJson<Answer<'logout'>>('POST', '/session/logout', {}).finally(() => { csrfToken = null; }),
};

/** Keep the CSRF token of a session answer for the requests that follow. */
function remember<T extends { csrf_token?: string | null }>(answer: T): T {
  csrfToken = answer.csrf_token ?? null;
  return answer;
}

/** Team mode administration (admins): users and the audit log. */
export const usersApi = {
  all: () => request<Answer<'listUsers'>>('/users').then((r) => r.users),
  add: (body: RequestBody<'addUser'>) => sendJson<Answer<'addUser'>>('POST', '/users', body),
  change: (id: number, body: RequestBody<'changeUser'>) => sendJson<Answer<'changeUser'>>('PATCH', `/users/${id}`, body),
  audit: (offset: number, limit: number) => request<Answer<'auditLog'>>(`/audit?${query({ offset, limit })}`),
};

/** The compose form kept across screens and restarts (one draft, stored by the sidecar). */
export const draftApi = {
  load: () => request<{ data: Record<string, unknown> | null }>('/drafts/compose').then((r) => r.data),
  save: (data: Record<string, unknown>) => sendJson<unknown>('PUT', '/drafts/compose', { data }),
  forget: () => request<unknown>('/drafts/compose', { method: 'DELETE' }),
};

export const channelsApi = {
  all: () => request<Answer<'listChannels'>>('/channels').then((r) => r.channels),
  /** The channels and what each type asks for (including its default pacing). */
  catalog: () => request<Answer<'listChannels'>>('/channels'),
  create: (body: RequestBody<'createChannel'>) => sendJson<Answer<'createChannel'>>('POST', '/channels', body),
  /** Every channel, archived ones included (a campaign may have been sent on one since archived). */
  allWithArchived: () => request<Answer<'listChannels'>>('/channels?archived=1').then((r) => r.channels),
  /** Change name, settings or secrets (secrets left out are kept); campaigns running on it are paused first. */
  update: (id: number, body: RequestBody<'updateChannel'>) => sendJson<Answer<'updateChannel'>>('PATCH', `/channels/${id}`, body),
  /** Delete an unused channel, archive a used one: the answer says which. */
  remove: (id: number) => request<Answer<'deleteChannel'>>(`/channels/${id}`, { method: 'DELETE' }),
  /** Connect and log in without sending; the provider's own message when it fails. */
  test: (id: number) => sendJson<Answer<'testChannel'>>('POST', `/channels/${id}/test`, {}),
  /** Which store keeps channel secrets and what it protects against. */
  secretsStore: () => request<Answer<'secretsStore'>>('/settings/secrets'),
};

/** A campaign's one attachment: uploaded once, then named in the campaign's options. */
export const attachmentsApi = {
  upload: (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request<Attachment>('/attachments', { method: 'POST', body: form });
  },
};

/** WhatsApp Web (linked device): link by QR code or pairing code, the link state, unlink. */
export const whatsAppWebApi = {
  state: (channelId: number) => request<WhatsAppWebLink>(`/channels/${channelId}/whatsapp-web`),
  link: (channelId: number) => sendJson<WhatsAppWebLink>('POST', `/channels/${channelId}/whatsapp-web/link`, {}),
  pairPhone: (channelId: number, number: string) =>
    sendJson<Answer<'pairWhatsAppWebPhone'>>('POST', `/channels/${channelId}/whatsapp-web/pair-phone`, { number }),
  unlink: (channelId: number) => sendJson<WhatsAppWebLink>('POST', `/channels/${channelId}/whatsapp-web/unlink`, {}),
  checkImport: (channelId: number, importId: string) =>
    sendJson<{ job: WhatsAppCheckJob }>('POST', `/channels/${channelId}/whatsapp-web/check`, { import_id: importId }),
  checkProgress: (channelId: number) => request<Answer<'getWhatsAppCheck'>>(`/channels/${channelId}/whatsapp-web/check`),
};

export const campaignsApi = {
  all: () => request<Answer<'listCampaigns'>>('/campaigns').then((r) => r.campaigns),
  get: (id: number) => request<CampaignLive>(`/campaigns/${id}`),
  create: (body: RequestBody<'createCampaign'>) => sendJson<Answer<'createCampaign'>>('POST', '/campaigns', body),
  action: (id: number, action: CampaignAction) => request<unknown>(`/campaigns/${id}/${action}`, { method: 'POST' }),
  retry: (id: number, statuses: string[]) => sendJson<Answer<'retryCampaign'>>('POST', `/campaigns/${id}/retry`, { statuses }),
  /** Settle 'unknown' recipients with what the providers report or answer; nothing is sent. */
  reconcile: (id: number) => sendJson<Answer<'reconcileCampaign'>>('POST', `/campaigns/${id}/reconcile`, {}),
  /** Channel, sender, recipients after skips, three rendered samples and the planned finish, before Start. */
  review: (id: number) => request<Answer<'reviewCampaign'>>(`/campaigns/${id}/review`),
  /** The message rendered for the first recipient, sent through the real channel to TO; never counted. */
  testSend: (id: number, to: string) => sendJson<Answer<'sendTestMessage'>>('POST', `/campaigns/${id}/test-send`, { to }),
  testSends: (id: number) => request<Answer<'listTestSends'>>(`/campaigns/${id}/test-sends`),
  /** The planner's finish time and provider-limit warnings for a pacing on a channel and a count or a list. */
  plan: (body: RequestBody<'planCampaign'>) => sendJson<Answer<'planCampaign'>>('POST', '/campaigns/plan', body),
  /** Play the campaign out on the dry run in a scratch copy, its waits skipped: nothing is sent. */
  rehearse: (id: number) => sendJson<Answer<'rehearseCampaign'>>('POST', `/campaigns/${id}/rehearse`, {}),
  recipients: (id: number, status: string, offset: number, limit: number) =>
    request<Answer<'listCampaignRecipients'>>(`/campaigns/${id}/recipients?${query({ status: status || undefined, offset, limit })}`),
  /** The report download (a link: the session cookie carries the token). */
  reportUrl: (id: number, format: 'csv' | 'xlsx') => `/campaigns/${id}/report?${query({ format })}`,
};

/** What a campaign's event stream tells its listener. */
export interface CampaignStreamHandlers {
  onProgress: (event: ProgressEvent) => void;
  onEnd: () => void;
}

/**
 * Follow GET /campaigns/<id>/events (Server-Sent Events) after the session cookie is in place; returns a
 * function that closes it. EventSource hides the status of a refused stream, so when the stream closes
 * with an error, asking for the campaign surfaces a 401 (token dialog) or 507 (storage banner) the normal way.
 */
export function followCampaign(campaignId: number, handlers: CampaignStreamHandlers): () => void {
  let source: EventSource | null = null;
  let closed = false;
  const open = () => {
    if (closed) return;
    source = new EventSource(`/campaigns/${campaignId}/events`);
    source.addEventListener('progress', (event) => handlers.onProgress(JSON.parse((event as MessageEvent).data) as ProgressEvent));
    source.addEventListener('end', () => { source?.close(); handlers.onEnd(); });
    source.addEventListener('error', () => {
      if (source?.readyState === EventSource.CLOSED) campaignsApi.get(campaignId).catch(alreadyReported);
    });
  };
  ensureSession().then(open, alreadyReported);
  return () => { closed = true; source?.close(); };
}

// ---- delivery truth: the replies inbox, consent keywords, webhooks ----

/** Replies from contacts, one conversation per channel and contact. */
export const inboxApi = {
  page: (q: string, offset: number, limit: number, signal?: AbortSignal) =>
    request<InboxPage>(`/inbox?${query({ q: q || undefined, offset, limit })}`, { signal }),
  thread: (channelId: number, address: string, signal?: AbortSignal) =>
    request<InboxThread>(`/inbox/messages?${query({ channel_id: channelId, address })}`, { signal }),
  markRead: (channelId: number, address: string) =>
    sendJson<{ read: number }>('POST', '/inbox/read', { channel_id: channelId, address }),
  /** Errors: missing_field (400), opted_out and channel_archived (409), send_failed (502, the provider's words). */
  reply: (channelId: number, address: string, body: string) =>
    sendJson<{ message: InboxMessage }>('POST', '/inbox/reply', { channel_id: channelId, address, body }),
};

/** The words that put a contact on the consent list (opt-out) or take them off it (opt-in). */
export const consentApi = {
  keywords: () => request<ConsentKeywords>('/consent/keywords'),
  saveKeywords: (lists: KeywordLists) => sendJson<ConsentKeywords>('PUT', '/consent/keywords', lists),
};

/** Where providers send delivery statuses and replies, and whether they arrive. */
export const webhooksApi = {
  status: () => request<WebhooksStatus>('/settings/webhooks'),
  setPublicUrl: (publicUrl: string) => sendJson<WebhooksStatus>('PUT', '/settings/webhooks', { public_url: publicUrl }),
};

/**
 * Follow GET /inbox/events (Server-Sent Events: `inbox` with {unread, latest_id} whenever a message arrives or
 * read state changes) after the session cookie is in place; returns a function that closes it. The browser
 * reconnects by itself after a dropped connection; a refused stream (CLOSED) is retried every RETRY_MS, after
 * asking the inbox once so that a 401 opens the token dialog the normal way.
 */
export function followInbox(onState: (state: InboxState) => void, retryMs = 10_000): () => void {
  let source: EventSource | null = null;
  let closed = false;
  let timer: number | undefined;
  const open = () => {
    if (closed) return;
    source = new EventSource('/inbox/events');
    source.addEventListener('inbox', (event) => onState(JSON.parse((event as MessageEvent).data) as InboxState));
    source.addEventListener('error', () => {
      if (source?.readyState !== EventSource.CLOSED) return;
      inboxApi.page('', 0, 1).catch(alreadyReported);
      timer = window.setTimeout(open, retryMs);
    });
  };
  ensureSession().then(open, alreadyReported);
  return () => { closed = true; window.clearTimeout(timer); source?.close(); };
}
