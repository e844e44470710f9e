/**
 * Sidecar calls for saved lists, templates, channels and campaigns (see docs/api.md, issue 6).
 * Same-origin relative URLs and the app's ApiError, like api/client.ts.
 */
import { ApiError } from '../../api/client';

export interface SavedList {
  id: number; name: string; count: number; with_number: number; with_email: number;
  created_at: string; updated_at: string; fields?: string[];
}
export interface ListContact {
  id: number; number: string | null; email: string | null; name: string;
  fields: Record<string, string>; row: number | null;
}
export interface ContactsPage { total: number; offset: number; limit: number; contacts: ListContact[] }
export interface Template { id: number; name: string; subject: string; body: string; placeholders: string[] }
export interface Channel {
  id: number; name: string; type: ChannelType; config: Record<string, unknown>; address: 'email' | 'number';
  has_secret: boolean;
}
export type ChannelType = 'smtp' | 'whatsapp' | 'twilio' | 'dry_run';
export interface SmsStats { encoding: string; characters: number; units: number; segments: number; per_segment: number }
export interface ComposePreview {
  placeholders: string[];
  fields?: string[];
  preview: { contact_id: number; name: string; subject: string; body: string } | null;
  warnings: {
    recipients_with_empty: number; by_placeholder: Record<string, number>;
    examples: { contact_id: number; name: string; number: string | null; email: string | null; missing: string[] }[];
  } | null;
  sms: SmsStats;
}
export type RecipientStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped';
export type Counts = Record<RecipientStatus | 'total', number>;
export interface Campaign {
  id: number; name: string; list_id: number | null; channel_id: number; subject: string; body: string;
  status: 'draft' | 'running' | 'paused' | 'cancelled' | 'completed'; pause_reason: string | null;
  counts: Counts; progress: number; rate_per_minute: number | null; eta_seconds: number | null;
  created_at: string; started_at: string | null; finished_at: string | null;
  waiting?: { until: number | null; reason: string | null };
}
export interface Outcome {
  id: number; address: string; name: string; status: RecipientStatus; provider_id: string | null;
  error_code: string | null; error: string | null; finished_at: number | null;
}
export interface ProgressEvent {
  id: number; status: Campaign['status']; pause_reason: string | null; counts: Counts; progress: number;
  rate_per_minute: number | null; eta_seconds: number | null; waiting: { until: number | null; reason: string | null };
  latest: Outcome[];
}
export interface Recipient {
  id: number; address: string; name: string; status: RecipientStatus; attempts: number; provider_id: string | null;
  error_code: string | null; error: string | null; attempted_at: string | null; finished_at: string | null;
}
export interface Pacing {
  per_minute: number; min_delay?: number; max_delay?: number; batch_size?: number | null; batch_pause?: number;
  hourly_cap?: number | null; daily_cap?: number | null; quiet_start?: string | null; quiet_end?: string | null;
  start_at?: string | null; max_consecutive_failures?: number;
}

/** fetch + JSON + the sidecar's {error, code} turned into ApiError. */
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, body === undefined ? { method } : {
      method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError('network', 'Cannot reach the local service. Is the app still running?', 0);
  }
  const text = await response.text();
  if (!response.ok) {
    let parsed: { error?: string; code?: string } = {};
    try { parsed = JSON.parse(text); } catch { /* not JSON: generic message below */ }
    throw new ApiError(parsed.code ?? `http_${response.status}`,
      parsed.error ?? `The local service answered with status ${response.status}.`, response.status);
  }
  return JSON.parse(text) as T;
}

const query = (params: Record<string, string | number | undefined>) =>
  new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));

export const listsApi = {
  all: () => call<{ lists: SavedList[] }>('GET', '/lists').then((r) => r.lists),
  get: (id: number) => call<SavedList>('GET', `/lists/${id}`),
  create: (body: Record<string, unknown>) =>
    call<{ list: SavedList; added: number; duplicates: number }>('POST', '/lists', body),
  rename: (id: number, name: string) => call<SavedList>('PATCH', `/lists/${id}`, { name }),
  remove: (id: number) => call<unknown>('DELETE', `/lists/${id}`),
  merge: (name: string, listIds: number[]) =>
    call<{ list: SavedList; added: number; duplicates: number }>('POST', '/lists/merge', { name, list_ids: listIds }),
  contacts: (id: number, q: string, offset: number, limit: number) =>
    call<ContactsPage>('GET', `/lists/${id}/contacts?${query({ q, offset, limit })}`),
  addContact: (id: number, body: Record<string, unknown>) => call<ListContact>('POST', `/lists/${id}/contacts`, body),
  editContact: (id: number, contactId: number, body: Record<string, unknown>) =>
    call<ListContact>('PATCH', `/lists/${id}/contacts/${contactId}`, body),
  removeContact: (id: number, contactId: number) => call<unknown>('DELETE', `/lists/${id}/contacts/${contactId}`),
};

export const dncApi = {
  page: (q: string) => call<{ total: number; entries: { id: number; value: string; kind: string }[] }>(
    'GET', `/do-not-contact?${query({ q, limit: 50 })}`),
  add: (values: string, region: string) => call<{ added: number; already: number; invalid: { value: string; message: string }[] }>(
    'POST', '/do-not-contact', { values, default_region: region }),
  remove: (id: number) => call<unknown>('DELETE', `/do-not-contact/${id}`),
};

export const templatesApi = {
  all: () => call<{ templates: Template[] }>('GET', '/templates').then((r) => r.templates),
  create: (body: { name: string; subject: string; body: string }) => call<Template>('POST', '/templates', body),
  preview: (body: Record<string, unknown>) => call<ComposePreview>('POST', '/compose/preview', body),
};

export const channelsApi = {
  all: () => call<{ channels: Channel[] }>('GET', '/channels').then((r) => r.channels),
  create: (body: Record<string, unknown>) => call<Channel>('POST', '/channels', body),
};

export const campaignsApi = {
  all: () => call<{ campaigns: Campaign[] }>('GET', '/campaigns').then((r) => r.campaigns),
  get: (id: number) => call<Campaign>('GET', `/campaigns/${id}`),
  create: (body: Record<string, unknown>) => call<Campaign>('POST', '/campaigns', body),
  action: (id: number, action: 'start' | 'pause' | 'resume' | 'cancel') => call<unknown>('POST', `/campaigns/${id}/${action}`),
  retry: (id: number, statuses: string[]) => call<{ requeued: number }>('POST', `/campaigns/${id}/retry`, { statuses }),
  recipients: (id: number, status: string, offset: number, limit: number) =>
    call<{ total: number; recipients: Recipient[] }>('GET', `/campaigns/${id}/recipients?${query({
      status: status || undefined, offset, limit })}`),
  reportUrl: (id: number, format: 'csv' | 'xlsx') => `/campaigns/${id}/report?format=${format}`,
  eventsUrl: (id: number) => `/campaigns/${id}/events`,
};
