import { useState } from 'react';
import { exportUrl } from '../../api/client';
import type { ExportFormat, ExportWhat } from '../../api/types';
import { Download } from '../../components/Download';

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
  { what: 'invalid', format: 'csv', label: 'Invalid rows CSV', suffix: 'invalid.csv' },
  { what: 'duplicates', format: 'csv', label: 'Duplicates CSV', suffix: 'duplicates.csv' },
  { what: 'rejects', format: 'xlsx', label: 'Invalid and duplicates Excel', suffix: 'rejects.xlsx' },
];

interface Props {
  importId: string;
  baseName: string;
}

/**
 * Export buttons: the contacts, and the rows to fix (invalid rows and duplicates apart, each with every column
 * of the file and the reason), so a fixed file can be imported again.
 */
export function ExportBar({ importId, baseName }: Props) {
  const [status, setStatus] = useState<string | null>(null);
  return (
    <div className="export-bar" role="group" aria-label="Export">
      <span className="export-bar__label">Export</span>
      {CHOICES.map((choice) => (
        <Download key={choice.suffix} url={exportUrl(importId, choice.what, choice.format)} label={choice.label}
          fileName={`${baseName}-${choice.suffix}`} filter={{ name: choice.label, extensions: [choice.format] }}
          onStatus={setStatus} />
      ))}
      {status && <span className="muted small" role="status">{status}</span>}
    </div>
  );
}
