import { useEffect, useRef, useState, type FormEvent } from 'react';

interface Props {
  /** What the cell shows and the editor starts from. */
  text: string;
  /** The edit button's visible text ('Fix', 'Edit', 'Rename') and its accessible name, which contains it. */
  action: string;
  actionLabel: string;
  /** The editor's accessible name. */
  inputLabel: string;
  mono?: boolean;
  /** An extra class for the edit button (the rename button stays hidden on invalid rows until hovered). */
  buttonClass?: string;
  editing: boolean;
  onStart: () => void;
  onDone: () => void;
  /** Saves the new text; resolves to an error message, or null when saved. */
  onSave: (text: string) => Promise<string | null>;
}

/** A cell editable in place: Enter saves (the sidecar re-checks it), Esc gives up. */
export function EditableValue({ text, action, actionLabel, inputLabel, mono, buttonClass, editing, onStart, onDone, onSave }: Props) {
  const [draft, setDraft] = useState(text);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!editing) return;
    setDraft(text);
    setError(null);
    inputRef.current?.focus();
    inputRef.current?.select();
  }, [editing, text]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    const problem = await onSave(draft);
    setSaving(false);
    if (problem) setError(problem);
    else onDone();
  };

  if (!editing) {
    return (
      <>
        <span className={`${mono ? 'mono ' : ''}truncate`} title={text}>{text || <span className="muted">(empty)</span>}</span>
        <button type="button" className={`btn btn--ghost btn--small fix-button ${buttonClass ?? ''}`} tabIndex={-1}
          onClick={(e) => { e.stopPropagation(); onStart(); }} aria-label={actionLabel}>
          {action}
        </button>
      </>
    );
  }
  return (
    <form className="inline-edit" onSubmit={save}>
      <input
        ref={inputRef}
        className={mono ? 'mono' : undefined}
        aria-label={inputLabel}
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
