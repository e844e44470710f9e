import type { ApiError } from '../../api/client';

/** What the sidecar's 400 unknown_placeholder carries besides its sentence (docs/api.md, "Placeholders"). */
interface Unknown {
  unknown: string[];
  suggestions: Record<string, string | null>;
  columns: string[];
  builtins: string[];
}

/** The unknown_placeholder details of ERR, or null for any other error (or one without them). */
export function unknownPlaceholders(err: unknown): Unknown | null {
  const details = (err as ApiError | null)?.details;
  if ((err as ApiError | null)?.code !== 'unknown_placeholder' || !Array.isArray(details?.unknown)) return null;
  return {
    unknown: details.unknown as string[], suggestions: (details.suggestions ?? {}) as Record<string, string | null>,
    columns: (details.columns ?? []) as string[], builtins: (details.builtins ?? []) as string[],
  };
}

/** TEXT with every {{WRONG}} / {{WRONG|fallback}} renamed to RIGHT (the fallback kept). */
export function renamePlaceholder(text: string, wrong: string, right: string): string {
  const name = wrong.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`\\{\\{\\s*${name}\\s*(\\||\\}\\})`, 'g'), (_whole, end: string) => `{{${right}${end}`);
}

/**
 * A placeholder that names no column of the list, shown at the message instead of rendering as a silent blank:
 * each unknown name with the sidecar's "did you mean" (one click renames it), then the columns the list has.
 */
export function PlaceholderError({ id, error, onRename }: { id: string; error: Unknown;
  onRename: (wrong: string, right: string) => void }) {
  return (
    <div id={id} className="alert alert--error" role="alert" data-testid="placeholder-error">
      <div className="alert__text">
        <ul className="cmp-plain-list">
          {error.unknown.map((name) => {
            const suggestion = error.suggestions[name];
            return (
              <li key={name}>
                <strong>{`Unknown placeholder {{${name}}}`}</strong>
                {suggestion ? <>: did you mean <span className="mono">{`{{${suggestion}}}`}</span>?{' '}
                  <button type="button" className="btn btn--small" onClick={() => onRename(name, suggestion)}>
                    {`Use {{${suggestion}}}`}</button></> : ': no column has a similar name.'}
              </li>
            );
          })}
        </ul>
        <p className="small">
          The list has the columns {error.columns.length ? error.columns.join(', ') : '(none besides the built-ins)'};
          built in: {error.builtins.join(', ')}.
        </p>
      </div>
    </div>
  );
}
