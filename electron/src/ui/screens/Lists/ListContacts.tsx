import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Alert } from '../../components/Alert';
import { useDebounced } from '../../hooks/useDebounced';
import { alreadyReported, listsApi } from '../../api/client';
import type { ContactsPage, ListContact, SavedList } from '../../api/types';

const PAGE = 50;

interface Props {
  list: SavedList;
  region: string;
  onChanged: () => void;
}

/** One editable contact row: inline fields, re-validated by the sidecar on save. */
function ContactRow({ contact, listId, region, onSaved }: {
  contact: ListContact; listId: number; region: string; onSaved: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ name: contact.name, number: contact.number ?? '', email: contact.email ?? '',
    alternates: (contact.alternates ?? []).join(', ') });
  const [error, setError] = useState<string | null>(null);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const alternates = draft.alternates.split(/[,;\n]/).map((n) => n.trim()).filter(Boolean);
      await listsApi.editContact(listId, contact.id, { ...draft, alternates, default_region: region });
      setEditing(false);
      setError(null);
      onSaved();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = async () => {
    await listsApi.removeContact(listId, contact.id);
    onSaved();
  };
  if (!editing) {
    return (
      <tr data-contact-id={contact.id}>
        <td>{contact.name}</td>
        <td className="mono">
          {contact.number ?? '—'}
          {(contact.alternates ?? []).length > 0 && (
            <span className="contact-alternates small muted">also {(contact.alternates ?? []).join(', ')}</span>
          )}
        </td>
        <td className="mono">{contact.email ?? '—'}</td>
        <td className="small muted">{Object.entries(contact.fields).map(([k, v]) => `${k}: ${v}`).join(', ')}</td>
        <td className="cmp-actions">
          <button type="button" className="btn btn--small" onClick={() => setEditing(true)}>Edit</button>
          <button type="button" className="btn btn--small btn--ghost" onClick={remove}
            aria-label={`Delete ${contact.name || contact.number || contact.email}`}>Delete</button>
        </td>
      </tr>
    );
  }
  return (
    <tr data-contact-id={contact.id}>
      <td colSpan={5}>
        <form className="cmp-inline-form" onSubmit={save} aria-label="Edit contact">
          <input aria-label="Name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
          <input aria-label="Number" className="mono" value={draft.number}
            onChange={(e) => setDraft({ ...draft, number: e.target.value })} />
          <input aria-label="Other numbers" className="mono" placeholder="Other numbers" value={draft.alternates}
            onChange={(e) => setDraft({ ...draft, alternates: e.target.value })} />
          <input aria-label="Email" className="mono" value={draft.email}
            onChange={(e) => setDraft({ ...draft, email: e.target.value })} />
          <button type="submit" className="btn btn--small btn--primary">Save</button>
          <button type="button" className="btn btn--small" onClick={() => setEditing(false)}>Cancel</button>
          {error && <span className="form-error" role="alert">{error}</span>}
        </form>
      </td>
    </tr>
  );
}

/** The contacts of one saved list: search, pages, add, edit, delete. */
export function ListContacts({ list, region, onChanged }: Props) {
  const [q, setQ] = useState('');
  const query = useDebounced(q, 250);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<ContactsPage | null>(null);
  const [added, setAdded] = useState({ name: '', number: '', email: '' });
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setPage(await listsApi.contacts(list.id, query, offset, PAGE));
  }, [list.id, query, offset]);
  useEffect(() => { load().catch(alreadyReported); }, [load]);
  useEffect(() => setOffset(0), [query, list.id]);

  const refresh = () => { void load(); onChanged(); };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await listsApi.addContact(list.id, { ...added, default_region: region });
      setAdded({ name: '', number: '', email: '' });
      setError(null);
      refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div className="card" data-testid="list-contacts">
      <div className="toolbar">
        <h2 className="cmp-title">{list.name}</h2>
        <label className="search">
          <span className="visually-hidden">Search contacts</span>
          <input type="search" aria-label="Search contacts" placeholder="Search name, number or email" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
      </div>
      <table className="cmp-table">
        <thead><tr><th>Name</th><th>Number</th><th>Email</th><th>Columns</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {page?.contacts.map((c) => (
            <ContactRow key={c.id} contact={c} listId={list.id} region={region} onSaved={refresh} />
          ))}
        </tbody>
      </table>
      {page && page.total === 0 && <p className="muted">No contacts match.</p>}
      {page && page.total > PAGE && (
        <div className="cmp-pager">
          <button type="button" className="btn btn--small" disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</button>
          <span className="muted small">{offset + 1}–{Math.min(offset + PAGE, page.total)} of {page.total}</span>
          <button type="button" className="btn btn--small" disabled={offset + PAGE >= page.total}
            onClick={() => setOffset(offset + PAGE)}>Next</button>
        </div>
      )}
      <form className="cmp-inline-form" onSubmit={add} aria-label="Add contact">
        <input aria-label="New contact name" placeholder="Name" value={added.name}
          onChange={(e) => setAdded({ ...added, name: e.target.value })} />
        <input aria-label="New contact number" className="mono" placeholder="Number" value={added.number}
          onChange={(e) => setAdded({ ...added, number: e.target.value })} />
        <input aria-label="New contact email" className="mono" placeholder="Email" value={added.email}
          onChange={(e) => setAdded({ ...added, email: e.target.value })} />
        <button type="submit" className="btn btn--small btn--primary">Add contact</button>
      </form>
      {error && <Alert tone="error" title="Could not save the contact">{error}</Alert>}
    </div>
  );
}
