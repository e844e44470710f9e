import { useEffect, useState } from 'react';
import { Dialog } from '../../components/Dialog';
import { channelsApi } from '../../api/client';
import type { Channel, ChannelType, RequestBody } from '../../api/types';

interface FieldSpec { key: string; label: string; secret?: boolean; number?: boolean; options?: string[] }

/** The settings each channel type asks for; secrets go to the secret store (keychain or encrypted file) and never come back. */
const FIELDS: Record<ChannelType, FieldSpec[]> = {
  smtp: [
    { key: 'host', label: 'SMTP host' }, { key: 'port', label: 'Port', number: true },
    { key: 'security', label: 'Security', options: ['starttls', 'ssl', 'none'] },
    { key: 'username', label: 'Login' }, { key: 'password', label: 'Password', secret: true },
    { key: 'from_address', label: 'From address' }, { key: 'from_name', label: 'From name' },
    // The bounce mailbox (optional): bounces, unsubscribe requests and replies are read from it over IMAP.
    { key: 'imap_host', label: 'Bounce mailbox IMAP host (optional)' },
    { key: 'imap_port', label: 'IMAP port', number: true },
    { key: 'imap_security', label: 'IMAP security', options: ['ssl', 'starttls', 'none'] },
    { key: 'imap_user', label: 'IMAP login' }, { key: 'imap_password', label: 'IMAP password', secret: true },
  ],
  whatsapp: [
    { key: 'phone_number_id', label: 'Phone number ID' }, { key: 'access_token', label: 'Access token', secret: true },
    { key: 'message_type', label: 'Message type', options: ['text', 'template'] },
    { key: 'template_name', label: 'Template name' }, { key: 'template_language', label: 'Template language' },
    // Status and reply webhooks (Settings shows the URL to give Meta): signed with the app secret.
    { key: 'app_secret', label: 'App secret (for webhooks)', secret: true },
    { key: 'webhook_verify_token', label: 'Webhook verify token', secret: true },
    { key: 'api_base', label: 'API base URL (optional)' },
  ],
  twilio: [
    { key: 'account_sid', label: 'Account SID' }, { key: 'auth_token', label: 'Auth token', secret: true },
    { key: 'from_number', label: 'From number' }, { key: 'messaging_service_sid', label: 'Messaging service SID' },
    { key: 'api_base', label: 'API base URL (optional)' },
  ],
  whatsapp_web: [
    { key: 'typing', label: 'Typing shown before each message (s)', number: true },
  ],
  dry_run: [
    { key: 'address', label: 'Send to', options: ['number', 'email'] },
  ],
};
const TYPE_LABELS: Record<ChannelType, string> = {
  smtp: 'Email (SMTP)', whatsapp: 'WhatsApp Cloud API', whatsapp_web: 'WhatsApp (linked device)', twilio: 'SMS (Twilio)',
  dry_run: 'Dry run (write to a file)',
};

/** {config, secrets} from the form values, numbers converted and empty values dropped. */
function split(type: ChannelType, values: Record<string, string>) {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const field of FIELDS[type]) {
    const value = values[field.key]?.trim();
    if (!value) continue;
    if (field.secret) secrets[field.key] = value;
    else config[field.key] = field.number ? Number(value) : value;
  }
  return { config, secrets };
}

/** The form values of an existing channel's settings (secrets are never shown: they stay blank). */
function valuesOf(channel: Channel): Record<string, string> {
  const config = channel.config as Record<string, unknown>;
  return Object.fromEntries(FIELDS[channel.type].filter((f) => !f.secret && config[f.key] !== undefined && config[f.key] !== null)
    .map((f) => [f.key, String(config[f.key])]));
}

/** EDITING's settings with the form's: a field emptied in the form is removed, settings the form does not show
 * (a CA file, a timeout) are kept. */
function editedConfig(editing: Channel, config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(editing.config as Record<string, unknown>) };
  for (const field of FIELDS[editing.type]) if (!field.secret) delete out[field.key];
  return { ...out, ...config };
}

/**
 * A dialog that saves a new channel, or edits EDITING: its type stays, its secrets are write-only (blank keeps the
 * stored one), and the sidecar pauses campaigns running on it before the change.
 */
export function ChannelForm({ open, onClose, onSaved, editing = null }: {
  open: boolean; onClose: () => void; onSaved: (channel: Channel) => void; editing?: Channel | null;
}) {
  const [type, setType] = useState<ChannelType>('dry_run');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!open) return;
    setError(null);
    setType(editing?.type ?? 'dry_run');
    setName(editing?.name ?? '');
    setValues(editing ? valuesOf(editing) : {});
  }, [open, editing]);
  const save = async () => {
    setBusy(true);
    try {
      const fields = split(type, values);
      // FIELDS holds each type's settings, so the body is that type's variant of the request.
      const channel = editing
        ? await channelsApi.update(editing.id, { name: name.trim() || editing.name, config: editedConfig(editing, fields.config),
          ...(Object.keys(fields.secrets).length ? { secrets: fields.secrets } : {}) } as RequestBody<'updateChannel'>)
        : await channelsApi.create({ name: name.trim() || TYPE_LABELS[type], type, ...fields } as RequestBody<'createChannel'>);
      setValues({});
      setError(null);
      onSaved(channel);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={editing ? `Edit “${editing.name}”` : 'New channel'} open={open} onClose={onClose} onConfirm={save}
      confirmLabel="Save channel" busy={busy}>
      <label className="field"><span>Channel type</span>
        <select aria-label="Channel type" value={type} disabled={editing !== null}
          onChange={(e) => { setType(e.target.value as ChannelType); setValues({}); }}>
          {(Object.keys(TYPE_LABELS) as ChannelType[]).map((t) => <option key={t} value={t}>{TYPE_LABELS[t]}</option>)}
        </select>
      </label>
      <label className="field"><span>Channel name</span>
        <input aria-label="Channel name" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      {FIELDS[type].map((field) => (
        <label className="field" key={field.key}><span>{field.label}</span>
          {field.options ? (
            <select aria-label={field.label} value={values[field.key] ?? field.options[0]}
              onChange={(e) => setValues({ ...values, [field.key]: e.target.value })}>
              {field.options.map((o) => <option key={o} value={o}>{o}</option>)}
            </select>
          ) : (
            <input aria-label={field.label} type={field.secret ? 'password' : field.number ? 'number' : 'text'} autoComplete="off"
              placeholder={field.secret && editing?.has_secret ? 'saved — leave blank to keep' : undefined}
              value={values[field.key] ?? ''} onChange={(e) => setValues({ ...values, [field.key]: e.target.value })} />
          )}
        </label>
      ))}
      {error && <p className="form-error" role="alert">{error}</p>}
    </Dialog>
  );
}
