import { useEffect, useState } from 'react';
import { alreadyReported, campaignsApi } from '../../api/client';
import type { Answer } from '../../api/types';
import { PlanSummary } from './PlanSummary';
import { Rehearsal } from './Rehearsal';
import { TestSend } from './TestSend';

type CampaignReview = Answer<'reviewCampaign'>;
type Sample = CampaignReview['samples'][number];

const WHY: Record<Sample['why'], string> = {
  first: 'First recipient', random: 'A random recipient', most_fallbacks: 'The most fallbacks used',
};

/** One rendered sample, as its recipient gets it. */
function SampleCard({ sample, isEmail }: { sample: Sample; isEmail: boolean }) {
  return (
    <figure className="cmp-sample" data-testid="review-sample">
      <figcaption className="small muted">
        {WHY[sample.why]}: <strong>{sample.name || sample.address}</strong> <span className="mono">{sample.address}</span>
        {sample.fallbacks > 0 && ` · ${sample.fallbacks} fallback${sample.fallbacks === 1 ? '' : 's'} used`}
      </figcaption>
      <div className="cmp-message">
        {isEmail && <p className="cmp-message__subject">{sample.subject}</p>}
        <p className="cmp-message__body">{sample.body}</p>
        {sample.template_params.length > 0 && (
          <p className="small">Template parameters: {sample.template_params.map((p, i) => `{{${i + 1}}} = ${p}`).join(', ')}</p>
        )}
      </div>
    </figure>
  );
}

/**
 * The review before Start: channel, sender, who gets it after skips, three rendered samples, the pacing's planned
 * finish with provider-limit warnings, a rehearsal and a test send. Re-read when VERSION changes.
 */
export function Review({ campaignId, version }: { campaignId: number; version: number }) {
  const [review, setReview] = useState<CampaignReview | null>(null);
  useEffect(() => {
    campaignsApi.review(campaignId).then(setReview, alreadyReported);
  }, [campaignId, version]);
  if (!review) return null;
  const isEmail = review.channel.address === 'email';
  const { recipients, sender } = review;
  const skipped = Object.entries(recipients.skipped_by_reason).map(([why, n]) => `${n} ${why.replace(/_/g, ' ')}`);
  return (
    <section className="card cmp-stack" aria-labelledby="review-title" data-testid="campaign-review">
      <h3 id="review-title" className="cmp-title">Review before sending</h3>
      <dl className="facts">
        <div className="facts__item"><dt>Channel</dt><dd>{review.channel.name} ({review.channel.type})</dd></div>
        <div className="facts__item"><dt>Sender</dt><dd data-testid="review-sender">{sender.name ? `${sender.name} ` : ''}{sender.value ?? '—'}</dd></div>
        <div className="facts__item"><dt>Recipients</dt><dd data-testid="review-count">{recipients.to_send}</dd></div>
        <div className="facts__item"><dt>Skipped</dt><dd>{recipients.skipped}{skipped.length ? ` (${skipped.join(', ')})` : ''}</dd></div>
      </dl>
      <div className="cmp-samples">
        {review.samples.map((s) => <SampleCard key={s.why} sample={s} isEmail={isEmail} />)}
      </div>
      <PlanSummary plan={review.plan} />
      <Rehearsal campaignId={campaignId} />
      <TestSend campaignId={campaignId} isEmail={isEmail} />
    </section>
  );
}
