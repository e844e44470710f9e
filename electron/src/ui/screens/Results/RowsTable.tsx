import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { ImportRow } from '../../api/types';
import { StatusBadge } from '../../components/StatusBadge';
import { EditableValue } from './EditableValue';
import type { RowsPager } from './useRowsPager';

const ROW_HEIGHT = 44;
// The column header sits sticky inside the scrolling grid, above the virtual rows.
const HEAD_HEIGHT = 38;

interface Props {
  pager: RowsPager;
  onFix: (row: ImportRow, value: string) => Promise<string | null>;
  onRename: (row: ImportRow, name: string) => Promise<string | null>;
  emptyMessage: string;
  /** The import has an email column: show it, with its own problems. */
  hasEmail?: boolean;
}

/** The cell being edited: a row (by index) and which of its two editable cells. */
interface Editing {
  index: number;
  field: 'value' | 'name';
}

/** Why a row is not a usable contact, in words (its email's problem too). */
function details(row: ImportRow): string {
  const email = row.email_problem ? `Email: ${row.email_problem}` : '';
  let number = '';
  if (row.status === 'invalid') number = row.message || row.reason || 'Not a valid number';
  if (row.status === 'duplicate') number = row.duplicate_of_row ? `Duplicate of row ${row.duplicate_of_row}` : 'Duplicate';
  return [number, email].filter(Boolean).join(' · ');
}

/** The cleaned number, with a count of the contact's other valid numbers (listed for screen readers and on hover). */
function CleanedNumber({ row }: { row: ImportRow }) {
  const alternates = row.alternates ?? [];
  return (
    <>
      <span className="truncate">{row.number ?? '—'}</span>
      {alternates.length > 0 && (
        <span className="alt-count" title={`Also: ${alternates.join(', ')}`} data-testid="alternates">
          +{alternates.length}<span className="visually-hidden"> other {alternates.length === 1 ? 'number' : 'numbers'}: {alternates.join(', ')}</span>
        </span>
      )}
    </>
  );
}

/** The email cell: the normalised address, or the cell as written marked when it is unusable. */
function EmailCell({ row }: { row: ImportRow }) {
  const shown = row.email ?? row.email_value ?? '';
  return (
    <span role="gridcell" className={`truncate${row.email_problem ? ' email--problem' : ''}`}
      title={row.email_problem ? `${shown}: ${row.email_problem}` : shown}>
      {shown || '—'}
    </span>
  );
}

/** Keys that move the active row, mapped to how far. */
function keyStep(key: string, pageRows: number, total: number): number | null {
  const steps: Record<string, number> = {
    ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows, Home: -total, End: total,
  };
  return key in steps ? steps[key] : null;
}

/**
 * The rows of an import, virtualised: only the rows in view (plus a few) are in the DOM, and pages
 * are fetched from the sidecar as they scroll into view, so 100k+ rows stay fast.
 */
export function RowsTable({ pager, onFix, onRename, emptyMessage, hasEmail = false }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const [editing, setEditing] = useState<Editing | null>(null);
  const total = pager.total ?? 0;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    scrollMargin: HEAD_HEIGHT,
    scrollPaddingStart: HEAD_HEIGHT,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total > 0) pager.ensureRange(first, last);
  }, [first, last, total, pager.ensureRange]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (editing !== null || total === 0) return;
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const step = keyStep(event.key, pageRows, total);
    if (step !== null) {
      event.preventDefault();
      const next = Math.max(0, Math.min(total - 1, active + step));
      setActive(next);
      virtualizer.scrollToIndex(next, { align: 'auto' });
    } else if ((event.key === 'Enter' || event.key === 'F2') && pager.rowAt(active)) {
      event.preventDefault();
      setEditing({ index: active, field: 'value' });
    }
  };

  const finishEdit = () => {
    setEditing(null);
    scrollRef.current?.focus();
  };

  if (pager.error) return <p className="table-empty" role="alert">{pager.error}</p>;
  if (pager.total === null) return <p className="table-empty" aria-busy="true">Loading rows…</p>;
  if (total === 0) return <p className="table-empty">{emptyMessage}</p>;
  return (
    <div className={`rows-table${hasEmail ? ' rows-table--email' : ''}`}>
      <div
        ref={scrollRef}
        className="rows-table__scroll"
        role="grid"
        aria-label="Imported rows"
        aria-rowcount={total + 1}
        tabIndex={0}
        onKeyDown={onKeyDown}
        aria-activedescendant={`row-${active}`}
        data-testid="rows-scroll"
      >
        <div className="rows-table__head" role="row" aria-rowindex={1}>
          <span role="columnheader">Row</span>
          <span role="columnheader">Original</span>
          <span role="columnheader">Cleaned number</span>
          <span role="columnheader">Name</span>
          {hasEmail && <span role="columnheader">Email</span>}
          <span role="columnheader">Status</span>
          <span role="columnheader">Details</span>
        </div>
        <div className="rows-table__spacer" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = pager.rowAt(item.index);
            return (
              <div
                key={item.key}
                id={`row-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={item.index === active}
                className={`rows-table__row${item.index === active ? ' is-active' : ''}${row ? ' row--' + row.status : ''}`}
                style={{ transform: `translateY(${item.start - HEAD_HEIGHT}px)`, height: ROW_HEIGHT }}
                onClick={() => setActive(item.index)}
                data-entry-id={row?.id}
              >
                {row ? (
                  <>
                    <span role="gridcell" className="num">{row.row}</span>
                    <span role="gridcell" className="cell-value">
                      <EditableValue
                        text={row.value} mono
                        action={row.status === 'invalid' ? 'Fix' : 'Edit'}
                        actionLabel={`${row.status === 'invalid' ? 'Fix' : 'Edit'} row ${row.row}`}
                        inputLabel={`New value for row ${row.row}`}
                        editing={editing?.index === item.index && editing.field === 'value'}
                        onStart={() => { setActive(item.index); setEditing({ index: item.index, field: 'value' }); }}
                        onDone={finishEdit}
                        onSave={(value) => onFix(row, value)}
                      />
                    </span>
                    <span role="gridcell" className="mono cell-value"><CleanedNumber row={row} /></span>
                    <span role="gridcell" className="cell-value">
                      <EditableValue
                        text={row.name ?? ''}
                        action="Rename" actionLabel={`Rename row ${row.row}`} buttonClass="rename-button"
                        inputLabel={`New name for row ${row.row}`}
                        editing={editing?.index === item.index && editing.field === 'name'}
                        onStart={() => { setActive(item.index); setEditing({ index: item.index, field: 'name' }); }}
                        onDone={finishEdit}
                        onSave={(name) => onRename(row, name)}
                      />
                    </span>
                    {hasEmail && <EmailCell row={row} />}
                    <span role="gridcell">
                      <StatusBadge status={row.status} />
                      {row.opted_out && <span className="badge badge--opted-out" title="On the consent list: campaigns skip this number">Opted out</span>}
                    </span>
                    <span role="gridcell" className="truncate details" title={details(row)}>{details(row)}</span>
                  </>
                ) : (
                  <span role="gridcell" className="muted">Loading…</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <p className="muted small table-hint">↑ ↓ Page Up/Down to move · Enter to fix the selected number · Rename to change a name · Esc to cancel</p>
    </div>
  );
}
