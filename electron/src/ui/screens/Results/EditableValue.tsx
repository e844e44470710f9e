import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ImportRow } from '../../api/types';

interface Props {
  row: ImportRow;
  editing: boolean;
  onStart: () => void;
  onDone: () => void;
  /** Saves the new value; resolves to an error message, or null when saved. */
  onFix: (row: ImportRow, value: string) => Promise<string | null>;
}

/** A row's original value, editable in place: Enter re-validates it, Esc gives up. */
export function EditableValue({ row, editing, onStart, onDone, onFix }: Props) {
  const [draft, setDraft] = useState(row.value);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!editing) return;
    setDraft(row.value);
    setError(null);
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [editing, row.value]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    const problem = await onFix(row, draft);
    setSaving(false);
    if (problem) setError(problem);
    else onDone();
  };

  if (!editing) {
    return (
      <>
        <span className="mono truncate" title={row.value}>{row.value || <span className="muted">(empty)</span>}</span>
        <button type="button" className="btn btn--ghost btn--small fix-button" tabIndex={-1}
          onClick={(e) => { e.stopPropagation(); onStart(); }} aria-label={`Fix row ${row.row}`}>
          {row.status === 'invalid' ? 'Fix' : 'Edit'}
        </button>
      </>
    );
  }
  return (
    <form className="inline-edit" onSubmit={save}>
      <input
        ref={inputRef}
        className="mono"
        aria-label={`New value for row ${row.row}`}
        aria-invalid={error ? true : undefined}
        value={draft}
        disabled={saving}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Escape') onDone();
        }}
        onBlur={() => !saving && !error && onDone()}
      />
      {error && <span className="inline-edit__error" role="alert">{error}</span>}
    </form>
  );
}
