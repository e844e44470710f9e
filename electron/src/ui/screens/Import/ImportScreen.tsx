import { Alert } from '../../components/Alert';
import { CountrySelect } from '../../components/CountrySelect';
import { ProgressBar } from '../../components/ProgressBar';
import type { ImportInfo } from '../../api/types';
import type { RegionsState } from '../../hooks/useRegions';
import '../Campaigns/campaigns.css';
import { DropZone } from './DropZone';
import { ImportHistory } from './ImportHistory';
import { PasteNumbers } from './PasteNumbers';
import { useImporter, type ImportSource, type ImporterState } from './useImporter';

interface Props {
  regions: RegionsState;
  onImported: (info: ImportInfo, source: ImportSource) => void;
  /** The import on the Results screen, if any. */
  currentId: string | null;
}

/** What the busy panel says for the current phase. */
function busyLabel(state: ImporterState): string {
  if (state.phase === 'uploading') return `Uploading ${state.fileName ?? 'file'}…`;
  return state.fileName ? `Checking the numbers in ${state.fileName}…` : 'Checking the numbers…';
}

/** Import screen: default country, a file (drop or pick) or pasted numbers. */
export function ImportScreen({ regions, onImported, currentId }: Props) {
  const { state, upload, paste, cancel, clearError } = useImporter(onImported);
  const busy = state.phase !== 'idle';
  return (
    <section className="screen" aria-labelledby="import-title">
      <header className="screen__header">
        <div>
          <h1 id="import-title">Import contacts</h1>
          <p className="muted">Numbers are checked and cleaned on this computer; nothing is sent anywhere.</p>
        </div>
      </header>
      <div className="card import-country">
        <CountrySelect label="Default country" options={regions.options} value={regions.region}
          onChange={regions.setRegion} disabled={busy} />
        <p className="muted small">Used for numbers written without a country code, like 098765 43210.</p>
      </div>
      {regions.error && <Alert tone="error" title="Countries could not be loaded">{regions.error}</Alert>}
      {state.error && (
        <Alert tone="error" title="This file could not be imported" onDismiss={clearError}>
          <span data-error-code={state.error.code}>{state.error.message}</span>
        </Alert>
      )}
      {busy ? (
        <div className="card busy" aria-live="polite">
          <ProgressBar label={busyLabel(state)} fraction={state.phase === 'uploading' ? state.progress : null} />
          {state.phase === 'uploading' && <button type="button" className="btn" onClick={cancel}>Cancel</button>}
          {state.phase === 'processing' && <p className="muted small">Large lists take a few seconds.</p>}
        </div>
      ) : (
        <div className="import-grid">
          <DropZone disabled={busy} onFile={(file, name) => upload(file, name, regions.region)} />
          <div className="card">
            <PasteNumbers disabled={busy} onSubmit={(text) => paste(text, regions.region)} />
          </div>
        </div>
      )}
      {!busy && <ImportHistory currentId={currentId} onOpen={onImported} />}
    </section>
  );
}
