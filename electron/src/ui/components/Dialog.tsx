import { useEffect, useRef, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';

interface Props {
  title: string;
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
  confirmLabel: string;
  busy?: boolean;
  children: ReactNode;
}

/**
 * A modal built on <dialog>: the browser gives focus trapping, Esc (the `cancel` event) and the top
 * layer; the body is a form so Enter in any field confirms.
 */
export function Dialog({ title, open, onClose, onConfirm, confirmLabel, busy, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) onConfirm();
  };
  // Browsers submit a form on Enter only from text inputs; a dialog of selects should confirm the same way.
  const enterOnSelect = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key === 'Enter' && event.target instanceof HTMLSelectElement) {
      event.preventDefault();
      event.currentTarget.requestSubmit();
    }
  };
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title"
      onCancel={(e) => { e.preventDefault(); onClose(); }}>
      {open && (
        <form onSubmit={submit} onKeyDown={enterOnSelect}>
          <header className="dialog__header">
            <h2 id="dialog-title">{title}</h2>
          </header>
          <div className="dialog__body">{children}</div>
          <footer className="dialog__footer">
            <button type="button" className="btn" onClick={onClose}>Cancel</button>
            <button type="submit" className="btn btn--primary" disabled={busy}>{busy ? 'Working…' : confirmLabel}</button>
          </footer>
        </form>
      )}
    </dialog>
  );
}
