import { useEffect, useState } from 'react';
import { alreadyReported, campaignsApi } from '../../api/client';
import type { RecipientsPage } from '../../api/types';
import { RECIPIENT_STATUSES } from '../../../generated/enums';

const PAGE = 50;
// Every status the ledger knows (from the OpenAPI), '' for all of them.
const STATUSES = ['', ...RECIPIENT_STATUSES];

/** The per-recipient ledger of a campaign, filterable by status. */
export function RecipientsTable({ campaignId, version }: { campaignId: number; version: number }) {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<RecipientsPage | null>(null);
  useEffect(() => { setOffset(0); }, [status, campaignId]);
  useEffect(() => {
    campaignsApi.recipients(campaignId, status, offset, PAGE).then(setPage, alreadyReported);
  }, [campaignId, status, offset, version]);
  return (
    <div className="card" data-testid="recipients">
      <div className="toolbar">
        <h2 className="cmp-title">Recipients</h2>
        <label className="field cmp-inline-field"><span>Status</span>
          <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
            {STATUSES.map((s) => <option key={s} value={s}>{s || 'all'}</option>)}
          </select>
        </label>
      </div>
      <table className="cmp-table">
        <thead><tr><th>Recipient</th><th>Name</th><th>Status</th><th>Attempts</th><th>When</th><th>Provider id</th><th>Error</th></tr></thead>
        <tbody>
          {page?.recipients.map((r) => (
            <tr key={r.id} data-status={r.status}>
              <td className="mono">{r.address}</td><td>{r.name}</td>
              <td><span className={`cmp-status cmp-status--${r.status}`}>{r.status}</span></td>
              <td className="num">{r.attempts}</td><td className="small">{r.finished_at ?? r.attempted_at ?? '—'}</td>
              <td className="mono small truncate">{r.provider_id ?? ''}</td><td className="small">{r.error_code === 'not_on_whatsapp' ? 'Not on WhatsApp' : r.error ?? ''}{r.delivery ? ` · ${r.delivery}` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.total > PAGE && (
        <div className="cmp-pager">
          <button type="button" className="btn btn--small" disabled={offset === 0} onClick={() => setOffset(offset - PAGE)}>Previous</button>
          <span className="muted small">{offset + 1}–{Math.min(offset + PAGE, page.total)} of {page.total}</span>
          <button type="button" className="btn btn--small" disabled={offset + PAGE >= page.total}
            onClick={() => setOffset(offset + PAGE)}>Next</button>
        </div>
      )}
    </div>
  );
}
