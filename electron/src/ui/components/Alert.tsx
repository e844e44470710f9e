import type { ReactNode } from 'react';

interface Props {
  tone: 'error' | 'info' | 'success';
  title?: string;
  children: ReactNode;
  onDismiss?: () => void;
}

/** A message box; errors are announced to screen readers immediately. */
export function Alert({ tone, title, children, onDismiss }: Props) {
  return (
    <div className={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <div className="alert__text">
        {title && <strong>{title}</strong>}
        <div>{children}</div>
      </div>
      {onDismiss && (
        <button type="button" className="btn btn--ghost btn--small" onClick={onDismiss} aria-label="Dismiss message">
          ✕
        </button>
      )}
    </div>
  );
}
