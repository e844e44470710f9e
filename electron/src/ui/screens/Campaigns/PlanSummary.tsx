import type { components } from '../../../generated/openapi';
import { Alert } from '../../components/Alert';
import { duration } from './format';

type Plan = components['schemas']['Plan'];

/** "Thu 3 Dec, 14:05" in the user's time zone. */
function finishTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** The planner's prediction: when it finishes, at what pace, what it waits for, and the provider limits it breaks. */
export function PlanSummary({ plan, title = 'Plan' }: { plan: Plan; title?: string }) {
  const waits = [
    plan.waits.quiet_hours_seconds && `${duration(plan.waits.quiet_hours_seconds)} of quiet hours`,
    plan.waits.caps_seconds && `${duration(plan.waits.caps_seconds)} waiting for the caps`,
    plan.waits.batch_pauses_seconds && `${duration(plan.waits.batch_pauses_seconds)} of breaks`,
  ].filter(Boolean);
  return (
    <div className="cmp-stack" data-testid="plan-summary">
      <p>
        <strong>{title}:</strong> {plan.messages} message{plan.messages === 1 ? '' : 's'}, finishing around{' '}
        <strong><time dateTime={plan.finish_at} data-testid="plan-finish">{finishTime(plan.finish_at)}</time></strong>
        {' '}({plan.estimated ? 'about ' : ''}
        {duration(plan.duration_seconds)}) at up to {plan.effective_per_minute} a minute.
        {waits.length > 0 && ` Includes ${waits.join(', ')}.`}
      </p>
      {plan.warnings.length > 0 && (
        <Alert tone="info" title="Provider limits">
          <ul className="small" data-testid="plan-warnings">
            {plan.warnings.map((w) => <li key={w.code}>{w.message}</li>)}
          </ul>
        </Alert>
      )}
    </div>
  );
}
