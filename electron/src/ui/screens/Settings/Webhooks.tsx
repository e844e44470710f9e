import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { webhooksApi } from '../../api/client';
import type { WebhookChannel, WebhooksStatus } from '../../api/deliveryTypes';
import { Alert } from '../../components/Alert';
import { when } from '../Inbox/format';
import { copyText as copy } from '../../clipboard';

/** Whether the provider's webhooks reach this channel, in words. */
function arriving(c: WebhookChannel): string {
  const parts = [c.received > 0 ? `Webhooks arriving: yes, last at ${when(c.last_received_at)}` : 'None received yet'];
  if (c.rejected > 0) {
    parts.push(`${c.rejected} rejected${c.last_error ? ` (last error: ${c.last_error})` : ''}`);
  }
  return parts.join('; ');
}

/** The public (tunnel) address, and per receiving channel the URL to give the provider and what arrived. */
export function Webhooks() {
  const [status, setStatus] = useState<WebhooksStatus | null>(null);
  const [publicUrl, setPublicUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const show = useCallback((s: WebhooksStatus) => {
    setStatus(s);
    setPublicUrl(s.public_url ?? '');
  }, []);
  const load = useCallback(async () => {
    try {
      show(await webhooksApi.status());
    } catch (err) {
      setError(`Could not read the webhook status: ${(err as Error).message}`);
    }
  }, [show]);
  useEffect(() => { void load(); }, [load]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    setNotice(null);
    try {
      show(await webhooksApi.setPublicUrl(publicUrl.trim()));
      setNotice(publicUrl.trim() ? 'Public address saved.' : 'Public address cleared.');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card cmp-stack" aria-labelledby="webhooks-title" data-testid="webhooks">
      <h2 id="webhooks-title" className="cmp-title">Webhooks</h2>
      <p className="muted small">
        Providers report delivered and read messages, replies and opt-outs by calling this app’s webhooks.
      </p>
      <form className="cmp-inline-form" onSubmit={save}>
        <label className="field settings-url">
          <span>Public address (https)</span>
          <input type="url" inputMode="url" value={publicUrl} placeholder="https://example.trycloudflare.com"
            aria-describedby="public-url-help" onChange={(e) => setPublicUrl(e.target.value)} />
        </label>
        <button type="submit" className="btn" disabled={saving || publicUrl.trim() === (status?.public_url ?? '')}>
          Save address
        </button>
      </form>
      <p id="public-url-help" className="small muted">
        Providers reach this app through a tunnel such as cloudflared or ngrok; paste its https address.
      </p>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      {notice && <p className="small" role="status">{notice}</p>}
      {status && status.channels.length === 0 && (
        <p className="muted">No channel receives webhooks yet: add a WhatsApp Cloud API, Twilio or email channel under Channels above.</p>
      )}
      {status && status.channels.length > 0 && (
        <table className="cmp-table" aria-labelledby="webhooks-title">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">URL to give the provider</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {status.channels.map((c) => (
              <WebhookRow key={c.channel_id} channel={c} />
            ))}
          </tbody>
        </table>
      )}
      <div>
        <button type="button" className="btn btn--small" onClick={() => { setNotice(null); void load(); }}>Refresh status</button>
      </div>
    </section>
  );
}

/** One channel's row: its URL with a copy button, and whether webhooks arrive. */
function WebhookRow({ channel: c }: { channel: WebhookChannel }) {
  const [copied, setCopied] = useState<string | null>(null);
  const rejectedOnly = c.received === 0 && c.rejected > 0;
  return (
    <tr data-channel-id={c.channel_id}>
      <th scope="row">{c.channel_name} <span className="small muted">({c.channel_type})</span></th>
      <td>
        {c.url ? (
          <span className="settings-copy">
            <code className="mono settings-url__value">{c.url}</code>
            <button type="button" className="btn btn--small" aria-label={`Copy the webhook URL of ${c.channel_name}`}
              onClick={async () => setCopied(await copy(c.url as string) ? 'Copied.' : 'Copy failed: select the address and copy it.')}>
              Copy
            </button>
            <span className="small" role="status">{copied}</span>
          </span>
        ) : (
          <span className="small muted">Set the public address first (path <code className="mono">{c.path}</code>).</span>
        )}
      </td>
      <td data-testid="webhook-state" className={rejectedOnly ? 'settings-bad' : undefined}>{arriving(c)}</td>
    </tr>
  );
}
