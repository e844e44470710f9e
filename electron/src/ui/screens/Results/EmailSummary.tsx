import type { ImportInfo } from '../../api/types';

type EmailReport = NonNullable<ImportInfo['emails']>;

/** How many rows of a list to show before "and N more" (the counts are always whole). */
const SHOWN = 20;

/** "N more" after a cut list. */
function more(total: number): string | null {
  return total > SHOWN ? `…and ${total - SHOWN} more` : null;
}

/** The email column's own counts, and each invalid or duplicated address with its row and why. */
export function EmailSummary({ emails }: { emails: EmailReport }) {
  const { invalid, duplicates } = emails;
  return (
    <section className="card email-summary" aria-labelledby="email-summary-title" data-testid="email-summary">
      <h2 id="email-summary-title" className="cmp-title">
        Emails{emails.column ? ` from “${emails.column}”` : ''}
      </h2>
      <p>
        <span data-count="valid">{emails.valid}</span> valid, <span data-count="invalid">{invalid.length}</span> invalid,{' '}
        <span data-count="duplicates">{duplicates.length}</span> duplicate{duplicates.length === 1 ? '' : 's'}.
      </p>
      {invalid.length > 0 && (
        <details open={invalid.length <= 5}>
          <summary>Invalid addresses</summary>
          <ul className="email-summary__list">
            {invalid.slice(0, SHOWN).map((e) => (
              <li key={e.row}>Row {e.row}{e.name ? ` (${e.name})` : ''}: <span className="mono">{e.value}</span> — {e.message}</li>
            ))}
            {more(invalid.length) && <li className="muted">{more(invalid.length)}</li>}
          </ul>
        </details>
      )}
      {duplicates.length > 0 && (
        <details>
          <summary>Duplicated addresses</summary>
          <ul className="email-summary__list">
            {duplicates.slice(0, SHOWN).map((e) => (
              <li key={e.row}>Row {e.row}: <span className="mono">{e.email}</span> — same as row {e.duplicate_of_row}</li>
            ))}
            {more(duplicates.length) && <li className="muted">{more(duplicates.length)}</li>}
          </ul>
        </details>
      )}
    </section>
  );
}
