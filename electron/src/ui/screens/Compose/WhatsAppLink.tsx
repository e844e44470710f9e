import { useEffect, useState } from 'react';
import QRCode from 'qrcode';
import { Alert } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { whatsAppWebApi } from '../../api/client';
import type { WhatsAppWebLink } from '../../api/types';

const POLL_MS = 1000;

/** The link state in words, always visible. */
export function describeLink(state: WhatsAppWebLink | null): string {
  if (!state) return 'Checking…';
  const why = state.reason ? ` (${state.reason})` : '';
  switch (state.status) {
    case 'not_linked': return 'Not linked';
    case 'starting': return 'Starting…';
    case 'waiting_for_scan': return 'Waiting for scan';
    case 'connected': return `Connected as ${state.me?.number ?? ''} (${state.me?.push_name ?? ''})`;
    case 'disconnected': return `Disconnected${why}`;
    case 'logged_out': return `Logged out from the phone${why}`;
    case 'engine_unavailable': return `Engine unavailable${why}`;
    case 'waiting_for_worker': return `Waiting for a worker${why}`;
    default: return state.status;
  }
}

/** The QR code's text drawn as an image (re-drawn when the protocol rotates it). */
function QrImage({ text }: { text: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void QRCode.toDataURL(text, { margin: 1, width: 240 }).then((url) => live && setSrc(url));
    return () => { live = false; };
  }, [text]);
  return src ? <img className="wa-qr" src={src} alt="QR code to link WhatsApp" data-qr={text.length} /> : null;
}

/** Follow the link state of CHANNEL_ID (polls while shown). */
function useLinkState(channelId: number) {
  const [state, setState] = useState<WhatsAppWebLink | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const tick = () => whatsAppWebApi.state(channelId)
      .then((s) => { if (live) { setState(s); setError(null); } })
      .catch((err: Error) => live && setError(err.message));
    void tick();
    const timer = window.setInterval(tick, POLL_MS);
    return () => { live = false; window.clearInterval(timer); };
  }, [channelId]);
  return { state, setState, error, setError };
}

/** Link a WhatsApp (linked device) channel: QR code or pairing code, the state in words, unlink. */
export function WhatsAppLink({ channelId }: { channelId: number }) {
  const { state, setState, error, setError } = useLinkState(channelId);
  const [number, setNumber] = useState('');
  const [code, setCode] = useState<string | null>(null);
  const [confirmUnlink, setConfirmUnlink] = useState(false);
  const [busy, setBusy] = useState(false);
  const act = async (run: () => Promise<void>) => {
    setBusy(true);
    try { await run(); setError(null); } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
  };
  const status = state?.status;
  const linkable = status === 'not_linked' || status === 'logged_out' || status === 'engine_unavailable';
  return (
    <div className="card wa-link" aria-label="WhatsApp link">
      <p className="wa-link__state" aria-live="polite"><strong>WhatsApp:</strong> {describeLink(state)}</p>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      {linkable && (
        <button type="button" className="btn btn--small" disabled={busy}
          onClick={() => act(async () => { setCode(null); setState(await whatsAppWebApi.link(channelId)); })}>
          Link WhatsApp
        </button>
      )}
      {status === 'waiting_for_scan' && state?.qr && (
        <div className="wa-link__scan">
          <QrImage text={state.qr} />
          <p className="muted">On the phone: WhatsApp › Linked devices › Link a device, then scan this code. It changes every few seconds.</p>
          <div className="cmp-inline-form">
            <label className="field"><span>Link with phone number instead</span>
              <input aria-label="Phone number to link" placeholder="+4915112345678" value={number}
                onChange={(e) => setNumber(e.target.value)} />
            </label>
            <button type="button" className="btn btn--small" disabled={busy || !number.trim()}
              onClick={() => act(async () => setCode((await whatsAppWebApi.pairPhone(channelId, number.trim())).code))}>
              Get a pairing code
            </button>
          </div>
        </div>
      )}
      {code && status !== 'connected' && (
        <p className="wa-link__code" aria-label="Pairing code">
          <span className="wa-code">{code.slice(0, 4)}-{code.slice(4)}</span>
          <span className="muted"> On the phone: WhatsApp › Linked devices › Link a device › Link with phone number, and type this code.</span>
        </p>
      )}
      {status === 'connected' && state && (
        <p className="muted">
          Sent in the last 24 h: {state.today.sent}
          {state.today.warmup_cap ? ` of ${state.today.warmup_cap} (warm-up cap of a newly linked number)` : ''}.
          Number checks today: {state.checks.today} of {state.checks.daily_budget}.
        </p>
      )}
      {(status === 'connected' || status === 'disconnected' || status === 'waiting_for_scan') && (
        <button type="button" className="btn btn--small btn--ghost" disabled={busy} onClick={() => setConfirmUnlink(true)}>Unlink</button>
      )}
      <Dialog title="Unlink WhatsApp?" open={confirmUnlink} onClose={() => setConfirmUnlink(false)} busy={busy}
        confirmLabel="Unlink" onConfirm={() => act(async () => { setState(await whatsAppWebApi.unlink(channelId)); setConfirmUnlink(false); })}>
        <p>This logs the app out of the WhatsApp account and deletes the session. Campaigns on this channel cannot send until it is linked again.</p>
      </Dialog>
    </div>
  );
}
