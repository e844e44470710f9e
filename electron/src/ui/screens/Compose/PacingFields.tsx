import type { PacingInput } from '../../api/types';

export interface PacingForm {
  per_minute: string; min_delay: string; max_delay: string; batch_size: string; batch_pause: string;
  hourly_cap: string; daily_cap: string; quiet_start: string; quiet_end: string; start_at: string;
  max_consecutive_failures: string;
}

export const DEFAULT_PACING: PacingForm = {
  per_minute: '20', min_delay: '', max_delay: '', batch_size: '', batch_pause: '', hourly_cap: '', daily_cap: '',
  quiet_start: '', quiet_end: '', start_at: '', max_consecutive_failures: '10',
};

/** The form for a channel type whose defaults are DEFAULTS (the type's own pacing), else the general one. */
export function pacingForType(defaults: Record<string, unknown> | undefined): PacingForm {
  if (!defaults || Object.keys(defaults).length === 0) return DEFAULT_PACING;
  const form: PacingForm = { ...DEFAULT_PACING };
  for (const key of Object.keys(form) as (keyof PacingForm)[]) {
    const value = defaults[key];
    if (typeof value === 'number' || typeof value === 'string') form[key] = String(value);
  }
  return form;
}

/** The pacing request body: empty fields are left to the sidecar's defaults. */
export function pacingBody(form: PacingForm): PacingInput {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(form)) {
    if (value.trim() === '') continue;
    if (key === 'quiet_start' || key === 'quiet_end') out[key] = value;
    else if (key === 'start_at') out[key] = new Date(value).toISOString();
    else out[key] = Number(value);
  }
  return out as PacingInput;
}

const NUMBER_FIELDS: [keyof PacingForm, string][] = [
  ['per_minute', 'Messages per minute'], ['min_delay', 'Random delay from (s)'], ['max_delay', 'Random delay to (s)'],
  ['batch_size', 'Batch size'], ['batch_pause', 'Pause between batches (s)'], ['hourly_cap', 'Hourly cap'],
  ['daily_cap', 'Daily cap'], ['max_consecutive_failures', 'Pause after consecutive failures'],
];

/** Pacing inputs: rate, random delay, batches, caps, quiet hours, scheduled start. */
export function PacingFields({ value, onChange }: { value: PacingForm; onChange: (next: PacingForm) => void }) {
  const set = (key: keyof PacingForm, v: string) => onChange({ ...value, [key]: v });
  return (
    <fieldset className="cmp-fieldset">
      <legend>Pacing</legend>
      <div className="cmp-fields">
        {NUMBER_FIELDS.map(([key, label]) => (
          <label className="field" key={key}><span>{label}</span>
            <input aria-label={label} type="number" min="0" step="any" value={value[key]} onChange={(e) => set(key, e.target.value)} />
          </label>
        ))}
        <label className="field"><span>Quiet hours from</span>
          <input aria-label="Quiet hours from" type="time" value={value.quiet_start} onChange={(e) => set('quiet_start', e.target.value)} />
        </label>
        <label className="field"><span>Quiet hours until</span>
          <input aria-label="Quiet hours until" type="time" value={value.quiet_end} onChange={(e) => set('quiet_end', e.target.value)} />
        </label>
        <label className="field"><span>Start at</span>
          <input aria-label="Start at" type="datetime-local" value={value.start_at} onChange={(e) => set('start_at', e.target.value)} />
        </label>
      </div>
    </fieldset>
  );
}
