import { useEffect, useState } from 'react';
import { listsApi } from '../../api/client';
import type { Answer } from '../../api/types';
import { Alert } from '../../components/Alert';

type SavedList = Answer<'listSavedLists'>['lists'][number];

interface Props {
  importId: string;
  /** The new list's name: the file's name without its extension. */
  name: string;
  /** How many valid numbers the import has (nothing to save when 0). */
  usable: number;
}

/** "N contacts", "1 contact". */
function contacts(n: number): string {
  return `${n} contact${n === 1 ? '' : 's'}`;
}

/** Save the import's contacts as a new list in one click, or add them to an existing list without duplicates. */
export function SaveAsList({ importId, name, usable }: Props) {
  const [lists, setLists] = useState<SavedList[]>([]);
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => listsApi.all().then(setLists, () => setLists([]));
  useEffect(() => { void refresh(); setDone(null); setError(null); }, [importId]);

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone(await action());
      await refresh();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const saveNew = () => run(async () => {
    const made = await listsApi.create({ name, import_id: importId });
    return `Saved as the list “${made.list.name}” with ${contacts(made.list.count)}.`;
  });
  const addTo = () => run(async () => {
    const made = await listsApi.appendImport(Number(target), importId);
    const already = made.duplicates ? ` (${made.duplicates} already on it)` : '';
    return `Added ${contacts(made.added)} to “${made.list.name}”${already}; it now has ${contacts(made.list.count)}.`;
  });

  return (
    <div className="save-list" role="group" aria-label="Save as a list">
      <button type="button" className="btn btn--primary" disabled={busy || usable === 0} onClick={() => void saveNew()}>
        Save as list “{name}”
      </button>
      {lists.length > 0 && (
        <span className="save-list__append">
          <label>
            <span className="visually-hidden">Existing list</span>
            <select value={target} onChange={(e) => setTarget(e.target.value)} disabled={busy}>
              <option value="">Add to an existing list…</option>
              {lists.map((l) => <option key={l.id} value={l.id}>{l.name} ({l.count})</option>)}
            </select>
          </label>
          <button type="button" className="btn" disabled={busy || !target || usable === 0} onClick={() => void addTo()}>
            Add
          </button>
        </span>
      )}
      <span className="muted small" role="status" data-testid="save-list-status">{done}</span>
      {error && <Alert tone="error" title="The list was not saved" onDismiss={() => setError(null)}>{error}</Alert>}
    </div>
  );
}
