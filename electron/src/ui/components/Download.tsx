import { desktopApi, type FileFilter } from '../desktopApi';

interface Props {
  /** A same-origin sidecar path (from api/client.ts). */
  url: string;
  fileName: string;
  label: string;
  filter: FileFilter;
  className?: string;
  /** Told what happened in the desktop app's save dialog ("Saved …", or an error). */
  onStatus?: (status: string | null) => void;
}

/**
 * A download of a sidecar file: the native save dialog in Electron; in a browser a plain link, which the
 * sidecar's session cookie authorises when the page was opened from another machine (api/client.ts).
 */
export function Download({ url, fileName, label, filter, className = 'btn', onStatus }: Props) {
  const desktop = desktopApi();
  if (!desktop) return <a className={className} href={url} download={fileName}>{label}</a>;
  const save = async () => {
    try {
      const result = await desktop.saveFile({ url, suggestedName: fileName, filters: [filter] });
      onStatus?.(result.saved ? `Saved ${result.path ?? fileName}` : null);
    } catch (err) {
      onStatus?.(`Export failed: ${(err as Error).message}`);
    }
  };
  return <button type="button" className={className} onClick={save}>{label}</button>;
}
