import { WhatsAppReach } from './WhatsAppReach';
import { useState } from 'react';
import { fixRow, remapImport, renameRow } from '../../api/client';
import type { ImportRow, RemapRequest, StatusFilter } from '../../api/types';
import { Alert } from '../../components/Alert';
import { CountrySelect } from '../../components/CountrySelect';
import { useDebounced } from '../../hooks/useDebounced';
import type { RegionsState } from '../../hooks/useRegions';
import type { ImportSession } from '../../session';
import { EmailSummary } from './EmailSummary';
import { ExportBar } from './ExportBar';
import { MappingDialog } from './MappingDialog';
import { RowsTable } from './RowsTable';
import { SaveAsList } from './SaveAsList';
import { SummaryCards } from './SummaryCards';
import { useRowsPager } from './useRowsPager';

interface Props {
  session: ImportSession | null;
  regions: RegionsState;
  onSession: (session: ImportSession) => void;
  onGoImport: () => void;
}

const EMPTY_MESSAGES: Record<StatusFilter, string> = {
  all: 'No rows match this search.',
  valid: 'No valid numbers match.',
  invalid: 'No invalid rows. Every number in this list could be read.',
  duplicate: 'No duplicates match.',
};

const NOTHING_FOUND = 'No phone numbers were found in this import. If they are in another column, choose it with Columns….';

/** Results screen, or its empty state when nothing has been imported yet. */
export function ResultsScreen(props: Props) {
  if (!props.session) {
    return (
      <section className="screen" aria-labelledby="results-title">
        <h1 id="results-title">Results</h1>
        <div className="card empty-state">
          <p className="empty-state__title">No list imported yet</p>
          <p className="muted">Import a file or paste numbers to see which are valid, invalid or duplicated.</p>
          <button type="button" className="btn btn--primary" onClick={props.onGoImport}>Import contacts</button>
        </div>
      </section>
    );
  }
  return <ImportResults {...props} session={props.session} />;
}

/** The title of an import: its file name, or "Pasted numbers". */
function sourceTitle(session: ImportSession): string {
  return session.source.kind === 'file' ? session.source.fileName : 'Pasted numbers';
}

/** Summary, filters, search, the virtual table, fixing, re-mapping and export of one import. */
function ImportResults({ session, regions, onSession }: Props & { session: ImportSession }) {
  const { info } = session;
  const [filter, setFilter] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 250);
  const pager = useRowsPager(info.import_id, filter, q);
  const [mappingOpen, setMappingOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const remap = async (choices: RemapRequest, keepOpen: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const next = await remapImport(info.import_id, choices);
      onSession({ ...session, info: next, choices });
      if (!keepOpen) setMappingOpen(false);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const changeRegion = (code: string) => {
    regions.setRegion(code);
    void remap({ ...session.choices, default_region: code }, false);
  };
  const onFix = async (row: ImportRow, value: string): Promise<string | null> => {
    try {
      const result = await fixRow(info.import_id, row.id, value);
      pager.replaceRow(result.row);
      onSession({ ...session, info: { ...info, summary: result.summary, message: result.message } });
      return result.row.status === 'invalid' ? `Still not valid: ${result.row.message ?? result.row.reason}` : null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const onRename = async (row: ImportRow, name: string): Promise<string | null> => {
    try {
      const result = await renameRow(info.import_id, row.id, name);
      pager.replaceRow(result.row);
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const canMap = (info.headers?.length ?? 0) > 0 || (info.sheets?.length ?? 0) > 1;
  const baseName = sourceTitle(session).replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'contacts';

  return (
    <section className="screen results" aria-labelledby="results-title" aria-busy={busy}>
      <header className="screen__header">
        <div>
          <h1 id="results-title">{sourceTitle(session)}</h1>
          <p className="muted" data-testid="import-message">
            {info.message}
            {info.sheet && (info.sheets?.length ?? 0) > 1 ? ` · sheet “${info.sheet}”` : ''}
            {info.columns?.phone ? ` · numbers from “${info.columns.phone}”` : ''}
          </p>
        </div>
        <div className="screen__actions">
          <CountrySelect label="Country for numbers without a code" options={regions.options}
            value={info.region} onChange={changeRegion} disabled={busy} />
          {canMap && (
            <button type="button" className="btn" onClick={() => setMappingOpen(true)}>Columns…</button>
          )}
        </div>
      </header>
      {error && !mappingOpen && <Alert tone="error" title="Could not re-check the list" onDismiss={() => setError(null)}>{error}</Alert>}
      {busy && !mappingOpen && <p className="muted" role="status">Re-checking the list…</p>}
      <SummaryCards summary={info.summary} filter={filter} onFilter={setFilter} />
      {info.emails && <EmailSummary emails={info.emails} />}
      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Search rows</span>
          <input type="search" placeholder="Search name, number or original value" value={search}
            onChange={(e) => setSearch(e.target.value)} />
        </label>
        <ExportBar importId={info.import_id} baseName={baseName} />
      </div>
      <SaveAsList importId={info.import_id} name={sourceTitle(session).replace(/\.[^.]+$/, '') || 'Contacts'}
        usable={info.summary.valid} />
      <WhatsAppReach importId={info.import_id} />
      <RowsTable key={`${info.import_id}|${filter}|${q}`} pager={pager} onFix={onFix} onRename={onRename}
        emptyMessage={q || filter !== 'all' ? EMPTY_MESSAGES[filter] : NOTHING_FOUND} hasEmail={Boolean(info.columns?.email)} />
      <MappingDialog open={mappingOpen} info={info} choices={session.choices} busy={busy} error={error}
        onClose={() => { setMappingOpen(false); setError(null); }} onApply={remap} />
    </section>
  );
}
