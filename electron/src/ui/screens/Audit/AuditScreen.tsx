import { useEffect, useState } from 'react';
import { usersApi } from '../../api/client';
import type { AuditPage } from '../../api/types';
import { Alert } from '../../components/Alert';
import '../Campaigns/campaigns.css';

const PAGE = 50;

/** What an entry acted on, as people read it ("campaign 12"). */
function what(entry: AuditPage['entries'][number]): string {
  const target = entry.object_type ? `${entry.object_type} ${entry.object_id ?? ''}`.trim() : '';
  const tried = entry.action === 'login.failed' && typeof entry.detail.name === 'string' ? `as ${entry.detail.name}` : '';
  return [target, tried].filter(Boolean).join(' ');
}

/** Admins: who created, started, paused or cancelled what, and who logged in; newest first, in pages. */
export function AuditScreen() {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<AuditPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { usersApi.audit(offset, PAGE).then(setPage).catch((err: Error) => setError(err.message)); }, [offset]);
  const total = page?.total ?? 0;
  return (
    <section className="screen" aria-labelledby="audit-title">
      <header className="screen__header">
        <div><h1 id="audit-title">Audit log</h1><p className="muted">Every change to campaigns, lists, channels and users, with who made it.</p></div>
      </header>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      <table className="cmp-table card" data-testid="audit-table">
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">On</th></tr></thead>
        <tbody>
          {page?.entries.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td>{new Date(e.ts * 1000).toLocaleString()}</td><td>{e.user}</td><td>{e.action}</td><td>{what(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="screen__actions">
        <button type="button" className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Newer</button>
        <span className="muted small">{total ? `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}` : 'No entries'}</span>
        <button type="button" className="btn" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>Older</button>
      </div>
    </section>
  );
}
