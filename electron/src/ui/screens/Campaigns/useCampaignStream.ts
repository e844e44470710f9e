import { useEffect, useState } from 'react';
import { campaignsApi, type Campaign, type Outcome, type ProgressEvent } from './api';

/**
 * Live state of one campaign: loaded once, then updated by the sidecar's Server-Sent Events while it runs.
 * `version` changes whenever the campaign is reloaded, so dependants (the recipients table) refresh too.
 */
export function useCampaignStream(campaignId: number | null, reloadKey: number) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const [latest, setLatest] = useState<Outcome[]>([]);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (campaignId === null) { setCampaign(null); return undefined; }
    let source: EventSource | null = null;
    let closed = false;
    const reload = async () => {
      const fresh = await campaignsApi.get(campaignId);
      if (closed) return;
      setCampaign(fresh);
      setVersion((v) => v + 1);
      if (fresh.status === 'running' && source === null) listen();
    };
    const listen = () => {
      source = new EventSource(campaignsApi.eventsUrl(campaignId));
      source.addEventListener('progress', (event) => {
        const data = JSON.parse((event as MessageEvent).data) as ProgressEvent;
        setLatest(data.latest);
        setCampaign((prev) => prev && { ...prev, status: data.status, pause_reason: data.pause_reason, counts: data.counts,
          progress: data.progress, rate_per_minute: data.rate_per_minute, eta_seconds: data.eta_seconds,
          waiting: data.waiting });
      });
      source.addEventListener('end', () => {
        source?.close();
        source = null;
        void reload();
      });
    };
    void reload();
    return () => { closed = true; source?.close(); };
  }, [campaignId, reloadKey]);

  return { campaign, latest, version };
}
