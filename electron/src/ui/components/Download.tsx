import { useState, type MouseEvent } from 'react';
import { downloadFile } from '../api/client';
import { desktopApi, type DesktopApi, type FileFilter } from '../desktopApi';

// How long a downloaded file's blob URL lives: long enough for the browser to have saved it.
const BLOB_LIFETIME_MS = 60_000;

interface Props {
  /** A same-origin sidecar path (from api/client.ts). */
  url: string;
  fileName: string;
  label: string;
  filter: FileFilter;
  className?: string;
  /** Told what happened ("Saved …" in the desktop app, or an error). */
  onStatus?: (status: string | null) => void;
}

/** A running download: RECEIVED is null until the sidecar answers (it is preparing the file), then the bytes so
 * far, out of TOTAL when the sidecar said the size. */
interface Progress {
  received: number | null;
  total: number | null;
}

/**
 * A download of a sidecar file: the native save dialog in Electron; in a browser a link whose click fetches the
 * file with progress and hands it to the browser as a download (the link itself still works without script, and
 * the sidecar's session cookie authorises it when the page was opened from another machine, api/client.ts).
 * From the click to the end it shows what is happening (a big export takes a moment) and takes no second click.
 */
export function Download({ url, fileName, label, filter, className = 'btn', onStatus }: Props) {
  const desktop = desktopApi();
  const [progress, setProgress] = useState<Progress | null>(null);
  const run = async (work: () => Promise<string | null>) => {
    setProgress({ received: null, total: null });
    onStatus?.(null);
    try {
      onStatus?.(await work());
    } catch (err) {
      onStatus?.(`Export failed: ${(err as Error).message}`);
    } finally {
      setProgress(null);
    }
  };
  const save = (bridge: DesktopApi) => run(async () => {
    const result = await bridge.saveFile({ url, suggestedName: fileName, filters: [filter] });
    return result.saved ? `Saved ${result.path ?? fileName}` : null;
  });
  const fetchAndSave = (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    if (progress) return;
    void run(async () => {
      saveBlob(await downloadFile(url, (received, total) => setProgress({ received, total })), fileName);
      return null;
    });
  };
  const busy = progress !== null;
  return (
    <>
      {desktop
        ? <button type="button" className={className} onClick={() => save(desktop)} disabled={busy}>{label}</button>
        : <a className={className} href={url} download={fileName} onClick={fetchAndSave}
          aria-disabled={busy || undefined}>{label}</a>}
      {progress && <DownloadProgress label={label} progress={progress} />}
    </>
  );
}

/** "Preparing <label>…" while the sidecar makes the file, then "Downloading <label>… 45%" as it arrives. */
function DownloadProgress({ label, progress: { received, total } }: { label: string; progress: Progress }) {
  const percent = received !== null && total ? Math.round((received / total) * 100) : undefined;
  const text = received === null ? `Preparing ${label}…`
    : `Downloading ${label}…${percent === undefined ? '' : ` ${percent}%`}`;
  return (
    <span className="download-progress small" role="status" data-testid="download-progress">
      <progress max={100} value={percent} aria-label={text} />
      <span>{text}</span>
    </span>
  );
}

/** Hand BLOB to the browser as a download named FILE_NAME. */
function saveBlob(blob: Blob, fileName: string): void {
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Kept a while: browsers read the blob for the download after the click returns.
  setTimeout(() => URL.revokeObjectURL(href), BLOB_LIFETIME_MS);
}
