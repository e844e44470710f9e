import { useEffect, useState } from 'react';
import { campaignsApi } from '../../api/client';
import type { Answer, PacingInput } from '../../api/types';
import { useDebounced } from '../../hooks/useDebounced';
import { PlanSummary } from '../Campaigns/PlanSummary';

type Plan = Answer<'planCampaign'>['plan'];

/**
 * The planner's prediction while the pacing is being set: when the list would finish on this channel if started
 * now, and the provider limits the pacing breaks. The campaign's review shows it again before Start.
 */
export function ComposePlan({ listId, channelId, pacing }: { listId: number; channelId: number; pacing: PacingInput }) {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Typing a number changes the pacing on each key: ask once it settles.
  const key = useDebounced(JSON.stringify({ list_id: listId, channel_id: channelId, pacing }), 400);
  useEffect(() => {
    let current = true;
    campaignsApi.plan(JSON.parse(key) as Parameters<typeof campaignsApi.plan>[0])
      .then((answer) => { if (current) { setPlan(answer.plan); setError(null); } })
      .catch((err: Error) => { if (current) { setPlan(null); setError(err.message); } });
    return () => { current = false; };
  }, [key]);
  if (error) return <p className="small form-error" role="alert" data-testid="compose-plan-error">{error}</p>;
  if (!plan) return null;
  return <div className="card" data-testid="compose-plan"><PlanSummary plan={plan} title="If started now" /></div>;
}
