import { useEffect, useRef, useState } from 'react';
import { alreadyReported, campaignsApi } from '../../api/client';
import type { Answer, CampaignLive, RequestBody } from '../../api/types';
import { PlanSummary } from './PlanSummary';

const REPLAN_MS = 60_000;

/** The planner's prediction for what a running or paused campaign still has to send, refreshed each minute. */
export function RemainingPlan({ campaign }: { campaign: CampaignLive }) {
  const [plan, setPlan] = useState<Answer<'planCampaign'>['plan'] | null>(null);
  const remaining = campaign.counts.pending + campaign.counts.sending;
  const latest = useRef(remaining);
  latest.current = remaining;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((t) => t + 1), REPLAN_MS);
    return () => window.clearInterval(timer);
  }, []);
  // Progress events bring a new pacing object each time: the text is what matters.
  const pacingKey = JSON.stringify(campaign.pacing);
  const { id, channel_id: channelId, status } = campaign;
  useEffect(() => {
    // The stored pacing is a valid request pacing; a start_at in the past means "now".
    const body = { channel_id: channelId, pacing: JSON.parse(pacingKey), count: latest.current } as RequestBody<'planCampaign'>;
    campaignsApi.plan(body).then((answer) => setPlan(answer.plan), alreadyReported);
  }, [id, channelId, pacingKey, status, tick]);
  if (!plan || remaining === 0) return null;
  return <div className="card"><PlanSummary plan={plan} title="Still to send" /></div>;
}
