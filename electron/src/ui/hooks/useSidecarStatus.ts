import { useCallback, useEffect, useState } from 'react';
import { getHealth } from '../api/client';
import { desktopApi, type SidecarStatus } from '../desktopApi';

/** The sidecar's state: pushed by Electron's main process, or probed via /health in a browser. */
export function useSidecarStatus(): { status: SidecarStatus; retry: () => void } {
  const [status, setStatus] = useState<SidecarStatus>({ state: 'starting' });

  const probe = useCallback(() => {
    getHealth()
      .then((health) => setStatus(health.service === 'bulkmsg-sidecar'
        ? { state: 'ready' }
        : { state: 'failed', message: 'Another program answers on the local service port.' }))
      .catch((err: Error) => setStatus({ state: 'failed', message: err.message }));
  }, []);

  useEffect(() => {
    const desktop = desktopApi();
    if (!desktop) {
      probe();
      return undefined;
    }
    void desktop.sidecarStatus().then(setStatus);
    return desktop.onSidecarStatus(setStatus);
  }, [probe]);

  return { status, retry: probe };
}
