import { useEffect, useState } from 'react';
import { alreadyReported, getHealth, onStorageError } from '../api/client';
import type { StorageHealth } from '../api/types';

// Storage fills up while nobody is clicking (a running campaign writes its ledger), so look now and then; more
// often while there is a problem, so the banner goes soon after space is freed.
const POLL_MS = 15_000;
const POLL_WHILE_PROBLEM_MS = 3_000;

/** The sidecar's storage state from GET /health: polled, and re-read at once when a request gets a 507. */
export function useStorageHealth(): StorageHealth | null {
  const [storage, setStorage] = useState<StorageHealth | null>(null);
  const problem = storage !== null && storage.state !== 'ok';
  useEffect(() => {
    let stopped = false;
    const probe = () => {
      getHealth()
        .then((health) => { if (!stopped) setStorage(health.storage); })
        .catch(alreadyReported);
    };
    probe();
    const timer = window.setInterval(probe, problem ? POLL_WHILE_PROBLEM_MS : POLL_MS);
    const unsubscribe = onStorageError(probe);
    return () => { stopped = true; window.clearInterval(timer); unsubscribe(); };
  }, [problem]);
  return storage;
}
