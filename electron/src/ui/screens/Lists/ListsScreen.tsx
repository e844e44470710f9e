import { useCallback, useEffect, useState } from 'react';
import { Alert } from '../../components/Alert';
import { CountrySelect } from '../../components/CountrySelect';
import { Dialog } from '../../components/Dialog';
import type { RegionsState } from '../../hooks/useRegions';
import type { ImportSession } from '../../session';
import { alreadyReported, listsApi } from '../../api/client';
import type { ListCreated, SavedList } from '../../api/types';
import '../Campaigns/campaigns.css';
import { DoNotContact } from './DoNotContact';
import { ListContacts } from './ListContacts';

interface Props {
  regions: RegionsState;
  session: ImportSession | null;
}

/** Saved lists: create from the current import or a paste, rename, merge, delete, browse and edit contacts. */
export function ListsScreen({ regions, session }: Props) {
  const [lists, setLists] = useState<SavedList[]>([]);
  const [loaded, setLoaded] = useState(false); // "No saved lists yet" only once the sidecar has said so
  const [selected, setSelected] = useState<number | null>(null);
  const [checked, setChecked] = useState<number[]>([]);
  const [name, setName] = useState('');
  const [pasted, setPasted] = useState('');
  const [mergeName, setMergeName] = useState('');
  const [notice, setNotice] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);

  const reload = useCallback(async () => { setLists(await listsApi.all()); setLoaded(true); }, []);
  useEffect(() => { reload().catch(alreadyReported); }, [reload]);

  const run = async (work: () => Promise<string>) => {
    try {
      setNotice({ tone: 'success', text: await work() });
      await reload();
    } catch (err) {
      setNotice({ tone: 'error', text: (err as Error).message });
    }
  };
  const created = (r: Pick<ListCreated, 'list' | 'added' | 'duplicates'>) => {
    setSelected(r.list.id);
    setName('');
    return `Saved “${r.list.name}”: ${r.added} contacts${r.duplicates ? `, ${r.duplicates} duplicates left out` : ''}.`;
  };
  const fromImport = () => run(async () => created(await listsApi.create({
    name: name.trim() || 'Imported list', import_id: session?.info.import_id })));
  const fromPaste = () => run(async () => {
    const result = created(await listsApi.create({ name: name.trim() || 'Pasted list', numbers: pasted,
      default_region: regions.region }));
    setPasted('');
    return result;
  });
  const [renaming, setRenaming] = useState<{ list: SavedList; name: string } | null>(null);
  const rename = () => {
    if (!renaming) return;
    const { list, name: next } = renaming;
    setRenaming(null);
    void run(async () => `Renamed to “${(await listsApi.rename(list.id, next)).name}”.`);
  };
  const remove = (list: SavedList) => {
    if (!window.confirm(`Delete “${list.name}” and its ${list.count} contacts?`)) return;
    void run(async () => {
      await listsApi.remove(list.id);
      if (selected === list.id) setSelected(null);
      return `Deleted “${list.name}”.`;
    });
  };
  const merge = () => run(async () => {
    const result = await listsApi.merge(mergeName.trim() || 'Merged list', checked);
    setChecked([]);
    setMergeName('');
    return created(result);
  });
  const current = lists.find((l) => l.id === selected) ?? null;

  return (
    <section className="screen" aria-labelledby="lists-title">
      <header className="screen__header">
        <div>
          <h1 id="lists-title">Saved lists</h1>
          <p className="muted">Keep contact lists for campaigns: save an import or pasted numbers, merge and edit them.</p>
        </div>
      </header>
      {notice && <Alert tone={notice.tone} onDismiss={() => setNotice(null)}>{notice.text}</Alert>}
      <div className="cmp-grid">
        <div className="card cmp-stack">
          <label className="field"><span>List name</span>
            <input aria-label="List name" value={name} placeholder="e.g. Customers March" onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="button" className="btn btn--primary" disabled={!session} onClick={fromImport}>
            Save current import as a list
          </button>
          {!session && <p className="muted small">Import a file first to save it here, or paste numbers below.</p>}
          <CountrySelect label="Default country" options={regions.options} value={regions.region} onChange={regions.setRegion} />
          <label className="field"><span>Paste numbers</span>
            <textarea aria-label="Paste numbers" rows={4} value={pasted} onChange={(e) => setPasted(e.target.value)} />
          </label>
          <button type="button" className="btn" disabled={!pasted.trim()} onClick={fromPaste}>Save pasted numbers as a list</button>
        </div>
        <div className="card">
          <table className="cmp-table" data-testid="saved-lists">
            <thead><tr><th><span className="visually-hidden">Merge</span></th><th>Name</th><th>Contacts</th><th>With email</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {lists.map((l) => (
                <tr key={l.id} data-list-id={l.id} aria-selected={l.id === selected}>
                  <td><input type="checkbox" aria-label={`Select ${l.name} for merging`} checked={checked.includes(l.id)}
                    onChange={(e) => setChecked(e.target.checked ? [...checked, l.id] : checked.filter((i) => i !== l.id))} /></td>
                  <td><button type="button" className="btn btn--ghost btn--small" onClick={() => setSelected(l.id)}>{l.name}</button></td>
                  <td className="num">{l.count}</td>
                  <td className="num">{l.with_email}</td>
                  <td className="cmp-actions">
                    <button type="button" className="btn btn--small" onClick={() => setRenaming({ list: l, name: l.name })}>Rename</button>
                    <button type="button" className="btn btn--small btn--ghost" onClick={() => remove(l)}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {loaded && lists.length === 0 && <p className="muted">No saved lists yet.</p>}
          <div className="cmp-inline-form">
            <input aria-label="Merged list name" placeholder="Merged list name" value={mergeName}
              onChange={(e) => setMergeName(e.target.value)} />
            <button type="button" className="btn btn--small" disabled={checked.length < 2} onClick={merge}>
              Merge {checked.length >= 2 ? checked.length : ''} selected
            </button>
          </div>
        </div>
      </div>
      <Dialog title="Rename list" open={renaming !== null} onClose={() => setRenaming(null)} onConfirm={rename}
        confirmLabel="Rename">
        <label className="field"><span>New name</span>
          <input aria-label="New name" value={renaming?.name ?? ''} onChange={(e) => renaming && setRenaming({ ...renaming, name: e.target.value })} />
        </label>
      </Dialog>
      {current && <ListContacts list={current} region={regions.region} onChanged={() => void reload()} />}
      <DoNotContact region={regions.region} />
    </section>
  );
}
