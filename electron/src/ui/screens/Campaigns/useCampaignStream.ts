import { useEffect, useState } from 'react';
import { alreadyReported, campaignsApi, followCampaign } from '../../api/client';
import type { CampaignLive, Outcome, ProgressEvent } from '../../api/types';

/** The campaign with a progress event's live fields applied. */
function withProgress(campaign: CampaignLive, event: ProgressEvent): CampaignLive {
  return { ...campaign, status: event.status, pause_reason: event.pause_reason, counts: event.counts,
    progress: event.progress, rate_per_minute: event.rate_per_minute, eta_seconds: event.eta_seconds, waiting: event.waiting };
}

/** How often a campaign that is not running is read again: providers' statuses and replies keep arriving. */
const SETTLED_REFRESH_MS = 15_000;

/**
 * Live state of one campaign: loaded once, then updated by the sidecar's Server-Sent Events while it runs, and
 * re-read every SETTLED_REFRESH_MS otherwise (delivered / read / replied counts change after the sending ends).
 * `version` changes whenever the campaign is reloaded, so dependants (the recipients table) refresh too.
 */
export function useCampaignStream(campaignId: number | null, reloadKey: number) {
  const [campaign, setCampaign] = useState<CampaignLive | null>(null);
  const [latest, setLatest] = useState<Outcome[]>([]);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (campaignId === null) { setCampaign(null); return undefined; }
    let stopFollowing: (() => void) | null = null;
    let closed = false;
    const reload = async () => {
      const fresh = await campaignsApi.get(campaignId);
      if (closed) return;
      setCampaign(fresh);
      setVersion((v) => v + 1);
      if (fresh.status === 'running' && stopFollowing === null) follow();
    };
    const follow = () => {
      stopFollowing = followCampaign(campaignId, {
        onProgress: (event) => {
          setLatest(event.latest);
          setCampaign((prev) => prev && withProgress(prev, event));
        },
        onEnd: () => {
          stopFollowing = null;
          reload().catch(alreadyReported);
        },
      });
    };
    reload().catch(alreadyReported);
    const timer = window.setInterval(() => {
      if (stopFollowing !== null) return; // the event stream already keeps it live
      campaignsApi.get(campaignId).then((fresh) => {
        if (closed) return;
        if (fresh.status === 'running') reload().catch(alreadyReported); // resumed elsewhere: follow it
        else setCampaign(fresh);
      }, () => undefined);
    }, SETTLED_REFRESH_MS);
    return () => { closed = true; window.clearInterval(timer); stopFollowing?.(); };
  }, [campaignId, reloadKey]);

  return { campaign, latest, version };
}
