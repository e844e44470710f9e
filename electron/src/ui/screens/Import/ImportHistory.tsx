import { useEffect, useState } from 'react';
import { importsApi, type ImportListing } from '../../api/client';
import type { ImportInfo } from '../../api/types';
import { Alert } from '../../components/Alert';
import type { ImportSource } from './useImporter';

interface Props {
  /** The import on the Results screen, marked as such in the list. */
  currentId: string | null;
  onOpen: (info: ImportInfo, source: ImportSource) => void;
}

/** The source an earlier import came from, as the Results screen names it. */
export function listingSource(item: ImportListing): ImportSource {
  return item.source_name ? { kind: 'file', fileName: item.source_name } : { kind: 'paste', text: '' };
}

/** When an import was made, in the user's locale. */
function when(created: number | null | undefined): string {
  return created ? new Date(created * 1000).toLocaleString() : '';
}

/** Every import kept on this computer (they survive restarts): reopen one on Results, or delete it. */
export function ImportHistory({ currentId, onOpen }: Props) {
  const [items, setItems] = useState<ImportListing[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const load = () => importsApi.all().then(setItems, (err: Error) => setError(err.message));
  useEffect(() => { void load(); }, []);

  const open = async (item: ImportListing) => {
    setBusyId(item.import_id);
    setError(null);
    try {
      onOpen(await importsApi.open(item.import_id), listingSource(item));
    } catch (err) {
      setError((err as Error).message);
      setBusyId(null);
    }
  };
  const remove = async (item: ImportListing) => {
    const name = item.source_name ?? 'Pasted numbers';
    if (!window.confirm(`Delete the import “${name}” from this computer? Saved lists made from it are kept.`)) return;
    setBusyId(item.import_id);
    setError(null);
    try {
      await importsApi.remove(item.import_id);
      setNotice(`Deleted the import “${name}”.`);
      await load();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusyId(null);
    }
  };

  if (items !== null && items.length === 0 && !error) return null;
  return (
    <section className="card import-history" aria-labelledby="history-title">
      <h2 id="history-title">Earlier imports</h2>
      <p className="muted small">Kept on this computer, so you can reopen them after the app restarts.</p>
      {error && <Alert tone="error" title="Earlier imports" onDismiss={() => setError(null)}>{error}</Alert>}
      <p className="visually-hidden" role="status">{notice}</p>
      {items === null ? <p className="muted">Loading…</p> : (
        <div className="cmp-scroll">
          <table className="cmp-table" data-testid="import-history">
            <thead>
              <tr><th scope="col">Import</th><th scope="col">When</th><th scope="col">Valid</th>
                <th scope="col">Invalid</th><th scope="col">Duplicates</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const name = item.source_name ?? 'Pasted numbers';
                return (
                  <tr key={item.import_id} data-import-id={item.import_id}>
                    <th scope="row">
                      {name}
                      {item.import_id === currentId && <span className="muted small"> (on Results)</span>}
                    </th>
                    <td>{when(item.created)}</td>
                    <td>{item.summary?.valid ?? ''}</td>
                    <td>{item.summary?.invalid ?? ''}</td>
                    <td>{item.summary?.duplicates ?? ''}</td>
                    <td className="cmp-actions">
                      <button type="button" className="btn btn--small" disabled={busyId !== null}
                        aria-label={`Open ${name}`} onClick={() => void open(item)}>Open</button>
                      <button type="button" className="btn btn--small btn--ghost" disabled={busyId !== null}
                        aria-label={`Delete ${name}`} onClick={() => void remove(item)}>Delete</button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
