import { useState, type FormEvent } from 'react';
import { validateNumber } from '../../api/client';
import type { NumberCheck } from '../../api/types';
import { Alert } from '../../components/Alert';
import { CountrySelect } from '../../components/CountrySelect';
import { regionName, type RegionsState } from '../../hooks/useRegions';

/** "fixed_line_or_mobile" → "Fixed line or mobile". */
function readableType(type?: string | null): string {
  if (!type) return '—';
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The formats and facts of a valid number. */
function CheckDetails({ check }: { check: NumberCheck }) {
  const facts: [string, string][] = [
    ['E.164', check.e164 ?? '—'],
    ['National', check.national ?? '—'],
    ['International', check.international ?? '—'],
    ['Region', check.region ? `${regionName(check.region)} (${check.region})` : '—'],
    ['Type', readableType(check.type)],
  ];
  return (
    <dl className="facts" data-testid="check-facts">
      {facts.map(([term, value]) => (
        <div key={term} className="facts__item">
          <dt>{term}</dt>
          <dd className="mono" data-fact={term}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Check one number and see it in every format. */
export function CheckerScreen({ regions }: { regions: RegionsState }) {
  const [number, setNumber] = useState('');
  const [check, setCheck] = useState<NumberCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!number.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setCheck(await validateNumber(number, regions.region));
    } catch (err) {
      setCheck(null);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="screen" aria-labelledby="checker-title">
      <header className="screen__header">
        <div>
          <h1 id="checker-title">Number checker</h1>
          <p className="muted">Check a single number and see it in every format.</p>
        </div>
      </header>
      <form className="card checker-form" onSubmit={submit}>
        <CountrySelect label="Default country" options={regions.options} value={regions.region} onChange={regions.setRegion} />
        <div className="field checker-form__number">
          <label htmlFor="checker-number">Phone number</label>
          <input id="checker-number" className="mono" value={number} autoComplete="off" inputMode="tel"
            placeholder="+1 415 555 2671" onChange={(e) => setNumber(e.target.value)} />
        </div>
        <button type="submit" className="btn btn--primary" disabled={busy || !number.trim()}>
          {busy ? 'Checking…' : 'Check'}
        </button>
      </form>
      {error && <Alert tone="error" title="Could not check this number">{error}</Alert>}
      {check && (
        <div className={`card check-result ${check.valid ? 'is-valid' : 'is-invalid'}`} aria-live="polite" data-testid="check-result">
          <p className="check-result__verdict">
            {check.valid ? '✓ Valid number' : '✕ Not a valid number'}
            <span className="muted"> — “{check.original}”, assuming {regionName(check.region_assumed ?? regions.region)}</span>
          </p>
          {!check.valid && <p data-testid="check-reason">{check.message ?? check.reason}</p>}
          {(check.valid || check.e164) && <CheckDetails check={check} />}
        </div>
      )}
    </section>
  );
}
