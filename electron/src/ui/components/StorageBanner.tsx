import type { StorageHealth } from '../api/types';

/** What to say when the sidecar gives no message of its own. */
const FALLBACK: Record<Exclude<StorageHealth['state'], 'ok'>, string> = {
  storage_full: 'The disk holding the app\'s data is full: nothing new can be saved and sending is paused.',
  storage_error: 'The app cannot write its data (read-only or failing disk): nothing new can be saved and sending is paused.',
};

/** A strip under the header while the sidecar cannot write its storage (GET /health `storage`). */
export function StorageBanner({ storage }: { storage: StorageHealth | null }) {
  if (!storage || storage.state === 'ok') return null;
  return (
    <div className="sidecar-banner is-problem" role="alert" data-testid="storage-banner" data-state={storage.state}>
      <span>{storage.message || FALLBACK[storage.state]}</span>
    </div>
  );
}
