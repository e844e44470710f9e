import { useCallback, useEffect, useState } from 'react';
import { alreadyReported, campaignsApi, channelsApi } from '../../api/client';
import { useWho } from '../../who';
import type { DeliveryCounts } from '../../api/deliveryTypes';
import type { Campaign, CampaignLive, ChannelType, Outcome } from '../../api/types';
import { Alert } from '../../components/Alert';
import { Dialog } from '../../components/Dialog';
import { Download } from '../../components/Download';
import { ProgressBar } from '../../components/ProgressBar';
import './campaigns.css';
import { duration } from './format';
import { PauseNotice } from './PauseNotice';
import { Review } from './Review';
import { RemainingPlan } from './RemainingPlan';
import { RecipientsTable } from './RecipientsTable';
import { useCampaignStream } from './useCampaignStream';

const WAITING: Record<string, string> = {
  pacing: 'pacing', scheduled: 'the scheduled start', backing_off: 'the provider (rate limit / retry)',
  hourly_cap: 'the hourly cap', daily_cap: 'the daily cap', quiet_hours: 'the end of quiet hours',
};

/** Run a dialog's work: busy meanwhile, then CLOSE it and tell ONDONE (with the error's message when it failed). */
function useDialogWork(close: () => void, onDone: (error?: string) => void) {
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    let error: string | undefined;
    try {
      await work();
    } catch (err) {
      error = (err as Error).message;
    } finally {
      setBusy(false);
    }
    close();
    onDone(error);
  };
  return { busy, run };
}

type Settled = { reconciled: number; still_unknown: number };

/**
 * "Retry unknown": first ask the providers what they have (nothing is sent), then offer to send again only to the
 * recipients still in doubt, saying that they may get the message twice.
 */
function RetryUnknown({ campaignId, unknown, onDone }: { campaignId: number; unknown: number;
  onDone: (error?: string) => void }) {
  const [open, setOpen] = useState(false);
  const [settled, setSettled] = useState<Settled | null>(null);
  const { busy, run } = useDialogWork(() => setOpen(false), onDone);
  const check = async () => {
    setOpen(true);
    setSettled(null);
    try {
      setSettled(await campaignsApi.reconcile(campaignId));
    } catch (err) {
      setOpen(false);
      onDone((err as Error).message);
    }
  };
  const retry = () => run(() => campaignsApi.retry(campaignId, ['unknown']));
  const close = () => { setOpen(false); onDone(); };
  const still = settled?.still_unknown ?? 0;
  return (
    <>
      <button type="button" className="btn" onClick={() => void check()}>Retry unknown ({unknown})</button>
      <Dialog title="Send again to recipients in doubt?" open={open} onClose={close}
        onConfirm={() => (still > 0 ? void retry() : close())} busy={busy || settled === null}
        confirmLabel={still > 0 ? `Send again to ${still}` : 'Close'}>
        <div role="status" data-testid="retry-unknown">
          {settled === null ? <p>Asking the provider what it received…</p> : (
            <>
              <p>{settled.reconciled} reconciled: the provider confirmed {settled.reconciled === 1 ? 'it has' : 'they have'} the
                message, so {settled.reconciled === 1 ? 'it is' : 'they are'} marked sent and not sent again.</p>
              <p>{still} still unknown{still > 0 ? ': the app stopped while sending to them and the provider cannot '
                + 'tell. Retrying may send them the message a second time.' : '.'}</p>
            </>
          )}
        </div>
      </Dialog>
    </>
  );
}

/** Start, after a confirmation that names how many people the message goes to (it cannot be taken back). */
function StartButton({ campaign, onDone }: { campaign: CampaignLive; onDone: (error?: string) => void }) {
  const [open, setOpen] = useState(false);
  const { busy, run } = useDialogWork(() => setOpen(false), onDone);
  const count = campaign.counts.pending + campaign.counts.sending;
  const start = () => run(() => campaignsApi.action(campaign.id, 'start'));
  return (
    <>
      <button type="button" className="btn btn--primary" onClick={() => setOpen(true)}>Start…</button>
      <Dialog title={`Send to ${count} recipient${count === 1 ? '' : 's'} now?`} open={open} onClose={() => setOpen(false)}
        onConfirm={() => void start()} busy={busy} confirmLabel={`Send to ${count}`}>
        <p data-testid="start-confirm">“{campaign.name}” goes out to {count} recipient{count === 1 ? '' : 's'} at the
          planned pace. Messages that have gone out cannot be taken back; you can pause at any time.</p>
      </Dialog>
    </>
  );
}

/** Start / pause / resume / cancel / retry buttons, shown when they apply. */
function Controls({ campaign, onDone }: { campaign: CampaignLive; onDone: (error?: string) => void }) {
  const act = async (work: () => Promise<unknown>) => {
    try { await work(); onDone(); } catch (err) { onDone((err as Error).message); }
  };
  const id = campaign.id;
  const { status, counts } = campaign;
  const who = useWho();
  if (!who.can('sender')) {
    return <p className="muted small" data-testid="read-only-note">Your role ({who.user?.role}) can follow campaigns but not start, pause or cancel them.</p>;
  }
  return (
    <div className="screen__actions">
      {status === 'draft' && <StartButton campaign={campaign} onDone={onDone} />}
      {status === 'paused' && <button type="button" className="btn btn--primary" onClick={() => act(() => campaignsApi.action(id, 'resume'))}>Resume</button>}
      {status === 'running' && <button type="button" className="btn" onClick={() => act(() => campaignsApi.action(id, 'pause'))}>Pause</button>}
      {['draft', 'running', 'paused'].includes(status) && (
        <button type="button" className="btn btn--ghost" onClick={() => {
          if (window.confirm('Cancel this campaign for good? Recipients not reached yet will not get the message.')) {
            void act(() => campaignsApi.action(id, 'cancel'));
          }
        }}>Cancel campaign</button>
      )}
      {counts.failed > 0 && status !== 'cancelled' && (
        <button type="button" className="btn" onClick={() => act(() => campaignsApi.retry(id, ['failed']))}>Retry failed ({counts.failed})</button>
      )}
      {counts.unknown > 0 && status !== 'cancelled' && (
        <RetryUnknown campaignId={id} unknown={counts.unknown} onDone={onDone} />
      )}
    </div>
  );
}

/** " (n%)" of PART in WHOLE, or nothing when WHOLE is 0. */
function rate(part: number, whole: number): string {
  return whole > 0 ? ` (${Math.round((part / whole) * 100)}%)` : '';
}

/**
 * What became of the messages sent: delivered, read, failed after sending (the provider's later word) and
 * replied, each with its share of the messages sent; live, as the counts arrive with the progress events.
 */
function DeliveryReport({ campaign, channelType }: { campaign: CampaignLive; channelType: ChannelType | null }) {
  const c: DeliveryCounts = campaign.counts;
  const tracking = campaign.delivery_tracking;
  const replied = c.replied ?? 0;
  return (
    <div className="cmp-stack" data-testid="delivery-report">
      <table className="cmp-table cmp-report">
        <caption className="cmp-report__caption">Delivery report</caption>
        <thead>
          <tr><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Read</th><th scope="col">Failed</th><th scope="col">Replied</th></tr>
        </thead>
        <tbody>
          <tr>
            <td className="num" data-report="sent">{c.sent}{rate(c.sent, c.total)}</td>
            <td className="num" data-count="delivered">{c.delivered}{rate(c.delivered, c.sent)}</td>
            <td className="num" data-count="read">{c.read}{rate(c.read, c.sent)}</td>
            <td className="num" data-count="delivery_failed">{c.delivery_failed}{rate(c.delivery_failed, c.sent)}</td>
            <td className="num" data-count="replied">{replied}{rate(replied, c.sent)}</td>
          </tr>
        </tbody>
      </table>
      <p className="small muted">
        Sent is out of all recipients, the others out of the messages sent. Failed: sent, then reported undeliverable by
        the provider{c.undelivered ? ` (${c.undelivered} never reached the phone)` : ''}.
      </p>
      {channelType === 'smtp' && c.delivered === 0 && tracking === false && (
        <p className="small" role="note" data-testid="email-tracking-note">
          Email shows 'sent' only: add a bounce mailbox to the channel to see failures.
        </p>
      )}
    </div>
  );
}

/**
 * What screen readers hear about a campaign's progress: its status when it changes and every tenth of the way,
 * not every message (a live region that speaks at each send drowns everything else).
 */
function useProgressAnnouncement(campaign: CampaignLive, done: number): string {
  const step = campaign.counts.total ? Math.floor((10 * done) / campaign.counts.total) : 10;
  const [said, setSaid] = useState({ status: campaign.status, step, text: '' });
  if (said.status !== campaign.status || said.step !== step) {
    const sent = campaign.counts.sent;
    setSaid({ status: campaign.status, step,
      text: `Campaign ${campaign.status}: ${sent} sent, ${done} done out of ${campaign.counts.total}.` });
  }
  return said.text;
}

/** Progress bar, counts, rate, time left, what it waits for, and the latest outcomes. */
function Progress({ campaign, latest, channelType }: { campaign: CampaignLive; latest: Outcome[]; channelType: ChannelType | null }) {
  const c = campaign.counts;
  const done = c.sent + c.failed + c.unknown + c.skipped;
  const waiting = campaign.status === 'running' && campaign.waiting?.reason ? WAITING[campaign.waiting.reason] : null;
  const announcement = useProgressAnnouncement(campaign, done);
  return (
    <div className="card cmp-stack" data-testid="campaign-progress">
      <ProgressBar label={`${done} of ${c.total} done`} fraction={c.total ? done / c.total : 1} />
      <p className="visually-hidden" role="status" data-testid="progress-announcement">{announcement}</p>
      <dl className="facts">
        {(['sent', 'failed', 'unknown', 'skipped', 'pending'] as const).map((k) => (
          <div className="facts__item" key={k}><dt>{k}</dt><dd className="num" data-count={k}>{c[k] + (k === 'pending' ? c.sending : 0)}</dd></div>
        ))}
        <div className="facts__item"><dt>Rate</dt><dd data-testid="rate">{campaign.rate_per_minute ?? '—'} / min</dd></div>
        <div className="facts__item"><dt>Time left</dt><dd data-testid="eta">{duration(campaign.eta_seconds)}</dd></div>
      </dl>
      {waiting && <p className="small muted">Waiting for {waiting}.</p>}
      {c.sent > 0 && <DeliveryReport campaign={campaign} channelType={channelType} />}
      <ol className="cmp-log" aria-label="Latest outcomes" data-testid="campaign-log">
        {latest.map((o) => (
          <li key={`${o.id}-${o.status}`}>
            <span className={`cmp-status cmp-status--${o.status}`}>{o.status}</span>{' '}
            <span className="mono">{o.address}</span> {o.error ? <span className="small muted">— {o.error}</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Bring a just-created campaign's menu entry into view and give it the keyboard focus. */
function focusEntry(button: HTMLButtonElement | null): void {
  if (!button) return;
  button.scrollIntoView({ block: 'nearest' });
  button.focus();
}

/** Campaigns: pick one, control it, watch it live, read its report. CREATED_ID, when set, was just created. */
export function CampaignsScreen({ createdId }: { createdId: number | null }) {
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(null); // null: not loaded (the sidecar may be away)
  const [selected, setSelected] = useState<number | null>(createdId);
  const [reloadKey, setReloadKey] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const reloadList = useCallback(async () => {
    const all = await campaignsApi.all();
    setCampaigns(all);
    setSelected((current) => current ?? all[0]?.id ?? null);
  }, []);
  useEffect(() => { reloadList().catch(alreadyReported); }, [reloadList, reloadKey]);
  const { campaign, latest, version } = useCampaignStream(selected, reloadKey);
  // The type of each campaign's channel (email reports no delivery without a bounce mailbox).
  const [channelTypes, setChannelTypes] = useState<Map<number, ChannelType>>(new Map());
  useEffect(() => {
    channelsApi.allWithArchived().then((all) => setChannelTypes(new Map(all.map((ch) => [ch.id, ch.type])))).catch(alreadyReported);
  }, [reloadKey]);
  // Keep the menu's status badges in step with the live one (e.g. running -> completed).
  const liveStatus = campaign?.status;
  useEffect(() => { if (liveStatus) reloadList().catch(alreadyReported); }, [liveStatus, reloadList]);
  const refresh = (message?: string) => { setError(message ?? null); setReloadKey((k) => k + 1); };

  return (
    <section className="screen" aria-labelledby="campaigns-title">
      <header className="screen__header">
        <div>
          <h1 id="campaigns-title">Campaigns</h1>
          <p className="muted">Every recipient is tracked: sent, failed, or unknown after an interruption — never sent twice.</p>
        </div>
      </header>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      {campaigns?.length === 0 && <div className="card empty-state"><p className="empty-state__title">No campaigns yet</p>
        <p className="muted">Compose one from a saved list.</p></div>}
      <div className="cmp-grid cmp-grid--wide">
        <ul className="card cmp-menu" aria-label="Campaigns">
          {(campaigns ?? []).map((c) => (
            <li key={c.id}>
              <button type="button" className="nav-item" aria-current={c.id === selected ? 'true' : undefined}
                data-campaign-id={c.id} ref={c.id === createdId ? focusEntry : undefined} onClick={() => setSelected(c.id)}>
                {c.name} <span className={`cmp-status cmp-status--${c.status}`}>{c.status}</span>
              </button>
            </li>
          ))}
        </ul>
        {campaign && (
          <div className="cmp-stack" data-testid="campaign-detail">
            <div className="toolbar">
              <h2 className="cmp-title">{campaign.name}</h2>
              <span className={`cmp-status cmp-status--${campaign.status}`} data-testid="campaign-status">{campaign.status}</span>
              {(['csv', 'xlsx'] as const).map((format) => (
                <Download key={format} className="btn btn--small" url={campaignsApi.reportUrl(campaign.id, format)}
                  label={`Report ${format.toUpperCase()}`} fileName={`campaign-${campaign.id}-report.${format}`}
                  filter={{ name: `Report ${format.toUpperCase()}`, extensions: [format] }} onStatus={setSaved} />
              ))}
              {saved && <span className="muted small" role="status">{saved}</span>}
            </div>
            {/* A pause the runner made (the channel keeps failing, a provider limit) is the one thing to read first. */}
            <PauseNotice campaign={campaign} />
            <Controls campaign={campaign} onDone={refresh} />
            {campaign.status === 'draft' && <Review campaignId={campaign.id} version={reloadKey} />}
            {(campaign.status === 'running' || campaign.status === 'paused') && <RemainingPlan campaign={campaign} />}
            <Progress campaign={campaign} latest={latest} channelType={channelTypes.get(campaign.channel_id) ?? null} />
            <RecipientsTable campaignId={campaign.id} version={version} />
          </div>
        )}
      </div>
    </section>
  );
}
