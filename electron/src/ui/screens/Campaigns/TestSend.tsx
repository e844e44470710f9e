import { useEffect, useState } from 'react';
import { alreadyReported, campaignsApi } from '../../api/client';
import type { Answer } from '../../api/types';

type TestSendRow = Answer<'listTestSends'>['test_sends'][number];

/**
 * "Send a test": the campaign's message, rendered for its first recipient, through the real channel to an
 * address the user types; recorded apart and never counted in the campaign.
 */
export function TestSend({ campaignId, isEmail }: { campaignId: number; isEmail: boolean }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<TestSendRow[]>([]);
  const [last, setLast] = useState<TestSendRow | null>(null); // this screen's latest try, said in full
  useEffect(() => {
    campaignsApi.testSends(campaignId).then((r) => setSent(r.test_sends), alreadyReported);
  }, [campaignId]);
  const send = async () => {
    setBusy(true);
    setError(null);
    setLast(null);
    try {
      const answer = await campaignsApi.testSend(campaignId, to.trim());
      setSent((rows) => [answer.test_send, ...rows]);
      setLast(answer.test_send);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const label = isEmail ? 'Test email address' : 'Test phone number';
  return (
    <div className="cmp-stack" data-testid="test-send">
      <form className="cmp-inline-form" onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <label className="field"><span>{label}</span>
          <input aria-label={label} type={isEmail ? 'email' : 'tel'} value={to} onChange={(e) => setTo(e.target.value)}
            placeholder={isEmail ? 'you@example.org' : '+44 7700 900123'} />
        </label>
        <button type="submit" className="btn btn--small" disabled={busy || !to.trim()}>{busy ? 'Sending…' : 'Send a test'}</button>
      </form>
      {error && <p className="form-error" role="alert">{error}</p>}
      {last && (last.status === 'sent'
        ? <p role="status" data-testid="test-send-result">Sent to <span className="mono">{last.to}</span> through the
            campaign's channel. It is not counted in the campaign.</p>
        : <p className="form-error" role="alert" data-testid="test-send-result">Not sent to <span className="mono">{last.to}</span>
            : {last.error ?? last.status}</p>)}
      {sent.length > 0 && (
        <ul className="small" aria-label="Test sends" data-testid="test-sends">
          {sent.slice(0, 5).map((t) => (
            <li key={t.id}>
              <span className={`cmp-status cmp-status--${t.status}`}>{t.status}</span> <span className="mono">{t.to}</span>
              {t.error ? ` — ${t.error}` : ' — not counted in the campaign'}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
