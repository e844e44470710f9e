import { useEffect, useState } from 'react';
import { channelsApi, whatsAppWebApi } from '../../api/client';
import type { Channel, WhatsAppCheckJob as Job } from '../../api/types';
const POLL_MS = 1000;

/** "Check on WhatsApp": how many of this import's numbers have WhatsApp, through a linked channel, paced. */
export function WhatsAppReach({ importId }: { importId: string }) {
  const [channels, setChannels] = useState<Channel[]>([]);
  const [channelId, setChannelId] = useState<number | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    channelsApi.all().then((all) => {
      const linked = all.filter((c) => c.type === 'whatsapp_web' && !c.archived);
      setChannels(linked);
      setChannelId(linked[0]?.id ?? null);
    }, (err: Error) => setError(err.message));
  }, []);
  useEffect(() => {
    if (channelId === null || job?.state !== 'running') return undefined;
    const timer = window.setInterval(() => {
      whatsAppWebApi.checkProgress(channelId).then((r) => setJob(r.job), (err: Error) => setError(err.message));
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [channelId, job?.state]);
  if (!channels.length) return null;
  const start = async () => {
    if (channelId === null) return;
    setError(null);
    try { setJob((await whatsAppWebApi.checkImport(channelId, importId)).job); } catch (err) { setError((err as Error).message); }
  };
  return (
    <div className="card cmp-inline-form" aria-label="Check on WhatsApp">
      <label className="field"><span>WhatsApp channel</span>
        <select aria-label="WhatsApp channel to check with" value={channelId ?? ''} onChange={(e) => setChannelId(Number(e.target.value))}>
          {channels.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
      </label>
      <button type="button" className="btn btn--small" disabled={job?.state === 'running'} onClick={start}>Check on WhatsApp</button>
      <p aria-live="polite" className="small" data-testid="whatsapp-reach">
        {job && job.state !== 'idle' && (
          `${job.on_whatsapp} of ${job.total} are on WhatsApp, ${job.not_on_whatsapp} are not` +
          (job.state === 'running' ? ` (checked ${job.checked} so far, paced to protect the account)` : '') +
          (job.reason ? ` — ${job.reason}` : '')
        )}
      </p>
      {error && <p role="alert" className="small">{error}</p>}
    </div>
  );
}
