import { useState } from 'react';
import { attachmentsApi } from '../../api/client';
import type { Attachment } from '../../api/types';

/** Size in words: 1.2 MB, 340 KB. */
function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** One file sent with every message (the message is its caption): images up to 5 MB, documents up to 100 MB. */
export function AttachmentPicker({ value, onChange }: { value: Attachment | null; onChange: (a: Attachment | null) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pick = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try { onChange(await attachmentsApi.upload(file)); } catch (err) { setError((err as Error).message); } finally { setBusy(false); }
  };
  return (
    <div className="field">
      <span>Attachment (optional): an image up to 5 MB or a document up to 100 MB; the message becomes its caption</span>
      {value ? (
        <p className="cmp-inline-form" data-testid="attachment">
          <span>{value.file_name} · {size(value.size)} · {value.kind}</span>
          <button type="button" className="btn btn--small btn--ghost" onClick={() => onChange(null)}>Remove attachment</button>
        </p>
      ) : (
        <input type="file" aria-label="Attachment" disabled={busy} onChange={(e) => void pick(e.target.files?.[0])} />
      )}
      {error && <p className="small" role="alert">{error}</p>}
    </div>
  );
}
