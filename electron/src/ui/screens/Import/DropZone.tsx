import { useRef, useState, type DragEvent } from 'react';
import { UploadIcon } from '../../components/Icons';
import { desktopApi } from '../../desktopApi';

export const ACCEPTED_EXTENSIONS = ['csv', 'tsv', 'txt', 'xlsx', 'xls', 'vcf', 'vcard'];

interface Props {
  disabled: boolean;
  onFile: (file: Blob, fileName: string) => void;
}

/** Drop a contact file here, or pick one (native dialog in Electron, <input type=file> in a browser). */
export function DropZone({ disabled, onFile }: Props) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const pick = async () => {
    const desktop = desktopApi();
    if (!desktop) {
      inputRef.current?.click();
      return;
    }
    const opened = await desktop.openFile({
      title: 'Choose a contact list',
      filters: [{ name: 'Contact lists', extensions: ACCEPTED_EXTENSIONS }],
    });
    if (opened) onFile(new Blob([opened.data]), opened.name);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file && !disabled) onFile(file, file.name);
  };
  const onDragOver = (event: DragEvent) => {
    event.preventDefault();
    event.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
    setDragging(true);
  };

  return (
    <div
      className={`dropzone${dragging ? ' is-dragging' : ''}`}
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="dropzone"
    >
      <div className="dropzone__icon"><UploadIcon /></div>
      <p className="dropzone__title">Drop a contact list here</p>
      <p className="muted">CSV, TSV, TXT, Excel (XLSX, XLS) or vCard</p>
      <button type="button" className="btn btn--primary" onClick={pick} disabled={disabled}>
        Choose file…
      </button>
      <input
        ref={inputRef}
        type="file"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Contact list file"
        accept={ACCEPTED_EXTENSIONS.map((ext) => '.' + ext).join(',')}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) onFile(file, file.name);
          e.target.value = '';
        }}
      />
    </div>
  );
}
