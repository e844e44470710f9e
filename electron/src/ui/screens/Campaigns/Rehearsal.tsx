import { useState } from 'react';
import { campaignsApi } from '../../api/client';
import type { Answer } from '../../api/types';
import { Alert } from '../../components/Alert';
import { duration } from './format';
import './rehearsal.css';

type Rehearsed = Answer<'rehearseCampaign'>;

const WAIT_REASONS: Record<string, string> = {
  pacing: 'the pace', scheduled: 'the scheduled start', backing_off: 'a provider back-off', hourly_cap: 'the hourly cap',
  daily_cap: 'the daily cap', quiet_hours: 'the end of quiet hours', warmup: 'the warm-up cap', batch_pause: 'a break between bursts',
};

/** "Tue 09:05" in the user's time zone. */
function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

/** Messages per stretch of the rehearsed timeline, as bars (each one labelled for screen readers). */
function Timeline({ run }: { run: Rehearsed }) {
  const { size_seconds: size, counts } = run.buckets;
  const most = Math.max(1, ...counts);
  const start = Date.parse(run.start_at);
  return (
    <ol className="rh-bars" aria-label={`Messages per ${duration(size)}`} data-testid="rehearsal-bars">
      {counts.map((count, i) => {
        const label = `${when(new Date(start + i * size * 1000).toISOString())}: ${count} message${count === 1 ? '' : 's'}`;
        return (
          <li key={i} className="rh-bars__bar" title={label} aria-label={label}>
            <span style={{ height: `${Math.round((count / most) * 100)}%` }} />
          </li>
        );
      })}
    </ol>
  );
}

/**
 * "Rehearse": the real runner plays the campaign out on the dry run with its waits skipped, so the user sees when
 * each part would go out (and that the plan holds) before anything is sent.
 */
export function Rehearsal({ campaignId }: { campaignId: number }) {
  const [run, setRun] = useState<Rehearsed | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rehearse = async () => {
    setBusy(true);
    setError(null);
    try {
      setRun(await campaignsApi.rehearse(campaignId));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="cmp-stack" data-testid="rehearsal">
      <div className="toolbar">
        <button type="button" className="btn btn--small" onClick={() => void rehearse()} disabled={busy}>
          {busy ? 'Rehearsing…' : 'Rehearse (dry run, nothing is sent)'}
        </button>
      </div>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      {run && (
        <div className="cmp-stack" role="status" data-testid="rehearsal-result">
          <p>
            Rehearsed in {run.real_seconds} s: {run.messages} message{run.messages === 1 ? '' : 's'} from{' '}
            {when(run.start_at)} to <strong data-testid="rehearsal-finish">{when(run.finish_at)}</strong>{' '}
            ({duration(run.duration_seconds)}){run.skipped ? `, ${run.skipped} skipped` : ''}.
            {' '}The planner predicted {when(run.planned.finish_at)}.
          </p>
          {!run.complete && (
            <p className="small">The rehearsal stopped after a minute with {run.left} still to go; the finish above is
              where it got to.</p>
          )}
          <Timeline run={run} />
          {run.waits.length > 0 && (
            <ul className="small" aria-label="Waits" data-testid="rehearsal-waits">
              {run.waits.map((w) => (
                <li key={w.from}>Waits {duration(w.seconds)} for {WAIT_REASONS[w.reason] ?? w.reason}, {when(w.from)} → {when(w.until)}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
