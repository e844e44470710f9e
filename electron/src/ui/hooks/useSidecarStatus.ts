import { useCallback, useEffect, useRef, useState } from 'react';
import { getHealth } from '../api/client';
import { desktopApi, type SidecarStatus } from '../desktopApi';

// In a browser nobody pushes the sidecar's state: look this often, so a sidecar that went away shows within 5 s.
const PROBE_MS = 2_000;

/**
 * The sidecar's state: pushed by Electron's main process, or probed via /health in a browser. `generation` goes up
 * each time it comes back after being away, so screens can load again what they could not load meanwhile.
 */
export function useSidecarStatus(): { status: SidecarStatus; retry: () => void; generation: number } {
  const [status, setStatus] = useState<SidecarStatus>({ state: 'starting' });
  const [generation, setGeneration] = useState(0);
  const wasAway = useRef(false);
  const update = useCallback((next: SidecarStatus) => {
    if (next.state !== 'ready' && next.state !== 'starting') wasAway.current = true;
    if (next.state === 'ready' && wasAway.current) {
      wasAway.current = false;
      setGeneration((g) => g + 1);
    }
    setStatus((prev) => (prev.state === next.state && prev.message === next.message ? prev : next));
  }, []);

  const probe = useCallback(() => {
    getHealth()
      .then((health) => update(health.service === 'bulkmsg-sidecar'
        ? { state: 'ready' }
        : { state: 'failed', message: 'Another program answers on the local service port.' }))
      .catch((err: Error) => update({ state: 'failed', message: err.message }));
  }, [update]);

  useEffect(() => {
    const desktop = desktopApi();
    if (!desktop) {
      probe();
      const timer = window.setInterval(probe, PROBE_MS);
      return () => window.clearInterval(timer);
    }
    void desktop.sidecarStatus().then(update);
    return desktop.onSidecarStatus(update);
  }, [probe, update]);

  return { status, retry: probe, generation };
}
