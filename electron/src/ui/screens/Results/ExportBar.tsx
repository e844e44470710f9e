import { useState } from 'react';
import { accessToken, downloadWithToken, exportUrl } from '../../api/client';
import type { ExportFormat, ExportWhat } from '../../api/types';
import { desktopApi } from '../../desktopApi';

interface ExportChoice {
  what: ExportWhat;
  format: ExportFormat;
  label: string;
  suffix: string;
}

const CHOICES: ExportChoice[] = [
  { what: 'contacts', format: 'csv', label: 'Contacts CSV', suffix: 'contacts.csv' },
  { what: 'contacts', format: 'xlsx', label: 'Contacts Excel', suffix: 'contacts.xlsx' },
  { what: 'contacts', format: 'vcf', label: 'Contacts vCard', suffix: 'contacts.vcf' },
  { what: 'rejects', format: 'csv', label: 'Rejected rows CSV', suffix: 'rejects.csv' },
];

interface Props {
  importId: string;
  baseName: string;
}

/**
 * Export buttons: the native save dialog in Electron; in a browser, plain download links, or fetched
 * downloads when the page must send the access token (opened from another machine).
 */
export function ExportBar({ importId, baseName }: Props) {
  const desktop = desktopApi();
  const useButtons = Boolean(desktop) || accessToken() !== null;
  const [status, setStatus] = useState<string | null>(null);
  const save = async (choice: ExportChoice) => {
    const url = exportUrl(importId, choice.what, choice.format);
    const fileName = `${baseName}-${choice.suffix}`;
    try {
      if (!desktop) {
        await downloadWithToken(url, fileName);
        return;
      }
      const result = await desktop.saveFile({
        url, suggestedName: fileName, filters: [{ name: choice.label, extensions: [choice.format] }],
      });
      setStatus(result.saved ? `Saved ${result.path ?? fileName}` : null);
    } catch (err) {
      setStatus(`Export failed: ${(err as Error).message}`);
    }
  };
  return (
    <div className="export-bar" role="group" aria-label="Export">
      <span className="export-bar__label">Export</span>
      {CHOICES.map((choice) =>
        useButtons ? (
          <button key={choice.suffix} type="button" className="btn" onClick={() => save(choice)}>{choice.label}</button>
        ) : (
          <a key={choice.suffix} className="btn" href={exportUrl(importId, choice.what, choice.format)}
            download={`${baseName}-${choice.suffix}`}>
            {choice.label}
          </a>
        ),
      )}
      {status && <span className="muted small" role="status">{status}</span>}
    </div>
  );
}
