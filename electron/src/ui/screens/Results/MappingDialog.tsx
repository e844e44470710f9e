import { useEffect, useState } from 'react';
import type { ColumnMapping, ImportInfo, RemapRequest } from '../../api/types';
import { Dialog } from '../../components/Dialog';

interface Props {
  open: boolean;
  info: ImportInfo;
  choices: RemapRequest;
  busy: boolean;
  error: string | null;
  onClose: () => void;
  /** Re-import with these choices; `keepOpen` when only the sheet changed and columns still need review. */
  onApply: (choices: RemapRequest, keepOpen: boolean) => void;
}

/** How the detected column(s) read in the "detect" option. */
function detected(value: ColumnMapping[keyof ColumnMapping]): string {
  if (Array.isArray(value)) return value.length ? value.join(' + ') : 'none';
  return value === null || value === undefined || value === '' ? 'none' : String(value);
}

interface ColumnFieldProps {
  id: string;
  label: string;
  headers: string[];
  detectedLabel: string;
  value: string;
  onChange: (value: string) => void;
}

/** How a preview column is marked: the main phone column, an alternate one, or neither. */
function columnClass(header: string, main: string | null | undefined, alternates: string[]): string | undefined {
  if (header === main) return 'is-phone';
  return alternates.includes(header) ? 'is-alternate' : undefined;
}

/** One "which column holds X" select; the empty value means "keep what was detected". */
function ColumnField({ id, label, headers, detectedLabel, value, onChange }: ColumnFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Detected: {detectedLabel}</option>
        {headers.map((header) => <option key={header} value={header}>{header}</option>)}
      </select>
    </div>
  );
}

interface AlternateColumnsProps {
  headers: string[];
  main: string | null | undefined;
  chosen: string[];
  onChange: (chosen: string[]) => void;
}

/** Which other columns' valid numbers each contact keeps as alternates (the campaign uses the main one). */
function AlternateColumns({ headers, main, chosen, onChange }: AlternateColumnsProps) {
  const others = headers.filter((header) => header !== main);
  if (others.length === 0) return null;
  return (
    <fieldset className="field alternate-columns">
      <legend>Other numbers kept as alternates</legend>
      <div className="alternate-columns__list">
        {others.map((header) => (
          <label key={header} className="checkbox">
            <input type="checkbox" checked={chosen.includes(header)}
              onChange={(e) => onChange(e.target.checked ? [...chosen, header] : chosen.filter((c) => c !== header))} />
            {header}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The detected column mapping with a preview of the first rows; every choice can be changed. */
export function MappingDialog({ open, info, choices, busy, error, onClose, onApply }: Props) {
  const [draft, setDraft] = useState<RemapRequest>(choices);
  useEffect(() => setDraft(choices), [choices, open]);
  const headers = info.headers ?? [];
  const columns = info.columns ?? { phone: null, name: null, country: null };
  const phoneColumn = draft.phone_column || columns.phone;
  // Until the user ticks a box the detected alternates stand; once they do, their list is sent as it is.
  const alternates = (Array.isArray(draft.alternate_columns) ? draft.alternate_columns : columns.phone_fallbacks ?? [])
    .filter((column) => column !== phoneColumn);
  const set = (key: keyof RemapRequest) => (value: string) => setDraft((d) => ({ ...d, [key]: value || undefined }));
  const sheets = info.sheets ?? [];

  return (
    <Dialog title="Columns and sheet" open={open} onClose={onClose} confirmLabel="Apply"
      busy={busy} onConfirm={() => onApply(draft, false)}>
      {sheets.length > 1 && (
        <div className="field">
          <label htmlFor="map-sheet">Sheet</label>
          <select id="map-sheet" value={info.sheet ?? ''} disabled={busy}
            onChange={(e) => onApply({ ...draft, sheet: e.target.value, phone_column: undefined, name_column: undefined, country_column: undefined, alternate_columns: undefined }, true)}>
            {sheets.map((sheet) => <option key={sheet} value={sheet}>{sheet}</option>)}
          </select>
        </div>
      )}
      <div className="mapping-fields">
        <ColumnField id="map-phone" label="Phone number column" headers={headers}
          detectedLabel={detected(columns.phone)} value={draft.phone_column ?? ''} onChange={set('phone_column')} />
        <ColumnField id="map-name" label="Name column" headers={headers}
          detectedLabel={detected(columns.name)} value={draft.name_column ?? ''} onChange={set('name_column')} />
        <ColumnField id="map-country" label="Country column" headers={headers}
          detectedLabel={detected(columns.country)} value={draft.country_column ?? ''} onChange={set('country_column')} />
      </div>
      <AlternateColumns headers={headers} main={phoneColumn} chosen={alternates}
        onChange={(chosen) => setDraft((d) => ({ ...d, alternate_columns: chosen }))} />
      {error && <p className="form-error" role="alert">{error}</p>}
      {headers.length > 0 ? (
        <div className="preview" tabIndex={0} aria-label="Preview of the first rows">
          <table>
            <thead>
              <tr>{headers.map((h, i) => <th key={i} className={columnClass(h, phoneColumn, alternates)}>{h}</th>)}</tr>
            </thead>
            <tbody>
              {(info.preview ?? []).map((cells, r) => (
                <tr key={r}>
                  {headers.map((h, c) => <td key={c} className={columnClass(h, phoneColumn, alternates)}>{cells[c] ?? ''}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">This source has no columns to choose from (pasted text or a vCard).</p>
      )}
    </Dialog>
  );
}
