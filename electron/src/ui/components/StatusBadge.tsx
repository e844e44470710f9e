import type { RowStatus } from '../api/types';

const LABELS: Record<RowStatus, string> = { valid: 'Valid', invalid: 'Invalid', duplicate: 'Duplicate' };

/** A coloured pill naming a row's status (colour is never the only signal: the word is there). */
export function StatusBadge({ status }: { status: RowStatus }) {
  return <span className={`badge badge--${status}`}>{LABELS[status]}</span>;
}
