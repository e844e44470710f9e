import { useCallback, useEffect, useState } from 'react';
import { alreadyReported, dncApi } from '../../api/client';
import type { DoNotContactEntry } from '../../api/types';

/** The do-not-contact list: every campaign skips these numbers and addresses. */
export function DoNotContact({ region }: { region: string }) {
  const [entries, setEntries] = useState<DoNotContactEntry[]>([]);
  const [text, setText] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const load = useCallback(async () => setEntries((await dncApi.page('')).entries), []);
  useEffect(() => { load().catch(alreadyReported); }, [load]);

  const add = async () => {
    try {
      const result = await dncApi.add(text, region);
      const invalid = result.invalid.map((i) => `${i.value} (${i.message})`).join(', ');
      setMessage(`${result.added} added, ${result.already} already listed${invalid ? `; not understood: ${invalid}` : ''}`);
      setText('');
      void load();
    } catch (err) {
      setMessage((err as Error).message);
    }
  };

  return (
    <section className="card" aria-labelledby="dnc-title" data-testid="dnc">
      <h2 id="dnc-title" className="cmp-title">Do not contact</h2>
      <p className="muted small">Numbers and email addresses here are skipped by every campaign.</p>
      <label className="field">
        <span>Numbers or emails, one per line</span>
        <textarea aria-label="Numbers or emails, one per line" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="button" className="btn btn--small" disabled={!text.trim()} onClick={add}>Add to do-not-contact</button>
      {message && <p className="small" role="status">{message}</p>}
      <ul className="cmp-chips">
        {entries.map((e) => (
          <li key={e.id}>
            <span className="mono">{e.value}</span>
            <button type="button" className="btn btn--ghost btn--small" aria-label={`Remove ${e.value}`}
              onClick={async () => { await dncApi.remove(e.id); void load(); }}>✕</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
