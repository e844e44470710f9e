import { useCallback, useEffect, useState } from 'react';
import { alreadyReported, dncApi } from '../../api/client';
import type { ConsentEntry, ConsentSource } from '../../api/deliveryTypes';
import { useDebounced } from '../../hooks/useDebounced';
import { when } from '../Inbox/format';

/** How an entry got on the list, in the user's words. */
const SOURCES: Record<ConsentSource, string> = {
  manual: 'Added by you',
  keyword: 'Replied STOP',
  provider_opt_out: 'Opted out at the provider',
  list_unsubscribe: 'Unsubscribed by email',
  import: 'Imported',
};

/** The consent list (do not contact): every campaign skips these numbers and addresses. */
export function DoNotContact({ region }: { region: string }) {
  const [entries, setEntries] = useState<ConsentEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const q = useDebounced(search, 250);
  const [message, setMessage] = useState<string | null>(null);
  const load = useCallback(async () => {
    const page = await dncApi.page(q);
    setEntries(page.entries);
    setTotal(page.total);
  }, [q]);
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
  const remove = async (entry: ConsentEntry) => {
    try {
      await dncApi.remove(entry.id);
      setMessage(`${entry.value} removed from the consent list.`);
      void load();
    } catch (err) {
      setMessage((err as Error).message);
    }
  };

  return (
    <section className="card" aria-labelledby="dnc-title" data-testid="dnc">
      <h2 id="dnc-title" className="cmp-title">Consent list (do not contact)</h2>
      <p className="muted small">
        Numbers and email addresses here are skipped by every campaign: the ones you add, contacts who replied with an
        opt-out word (see Settings), opted out at the provider or unsubscribed by email.
      </p>
      <label className="field">
        <span>Numbers or emails, one per line</span>
        <textarea aria-label="Numbers or emails, one per line" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="button" className="btn btn--small" disabled={!text.trim()} onClick={add}>Add to do-not-contact</button>
      {message && <p className="small" role="status">{message}</p>}
      <label className="field cmp-inline-field">
        <span>Search the consent list</span>
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
      </label>
      {entries.length === 0 ? (
        <p className="muted small">{q ? 'Nothing on the consent list matches this search.' : 'The consent list is empty.'}</p>
      ) : (
        <table className="cmp-table" aria-labelledby="dnc-title" data-testid="consent-table">
          <thead>
            <tr>
              <th scope="col">Value</th>
              <th scope="col">Source</th>
              <th scope="col">Channel</th>
              <th scope="col">Date</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-entry-id={e.id} data-source={e.source ?? 'manual'}>
                <td className="mono">{e.value}</td>
                <td>{SOURCES[e.source ?? 'manual'] ?? e.source}</td>
                <td>{e.channel_name ?? <span className="muted">—</span>}</td>
                <td><time dateTime={e.created_at}>{when(e.created_at)}</time></td>
                <td className="cmp-actions">
                  <button type="button" className="btn btn--ghost btn--small" aria-label={`Remove ${e.value}`}
                    onClick={() => void remove(e)}>✕</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {total > entries.length && (
        <p className="small muted">Showing {entries.length} of {total}; search to find the others.</p>
      )}
    </section>
  );
}
