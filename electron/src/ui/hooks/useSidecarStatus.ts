import { useCallback, useEffect, useRef, useState } from 'react';
import { getHealth, onNetworkError } from '../api/client';
import { desktopApi, type SidecarStatus } from '../desktopApi';

// In a browser nobody pushes the sidecar's state: look this often, so a sidecar that went away shows within 5 s
// (a stopped process refuses the connection at once; any request that cannot connect also makes it look at once).
const PROBE_MS = 2_000;
// A sidecar that accepts the connection but does not answer (stopped, or the machine asleep) counts as gone after
// this long; generous, because a busy sidecar (a large upload on a small machine) still answers /health in time.
const PROBE_TIMEOUT_MS = 10_000;

/** Whether STATE means the sidecar cannot be used (starting is the first moment, not an absence). */
export function isAway(state: SidecarStatus['state']): boolean {
  return state !== 'ready' && state !== 'starting';
}

/**
 * The sidecar's state: pushed by Electron's main process, or probed via /health in a browser. `generation` goes up
 * each time it comes back after being away, so screens can load again what they could not load meanwhile.
 */
export function useSidecarStatus(): { status: SidecarStatus; retry: () => void; generation: number } {
  const [status, setStatus] = useState<SidecarStatus>({ state: 'starting' });
  const [generation, setGeneration] = useState(0);
  const wasAway = useRef(false);
  const probing = useRef(false);
  const update = useCallback((next: SidecarStatus) => {
    if (isAway(next.state)) wasAway.current = true;
    if (next.state === 'ready' && wasAway.current) {
      wasAway.current = false;
      setGeneration((g) => g + 1);
    }
    setStatus((prev) => (prev.state === next.state && prev.message === next.message ? prev : next));
  }, []);

  // One probe at a time: the interval, a failed request's hint and Retry all land here.
  const probe = useCallback(() => {
    if (probing.current) return;
    probing.current = true;
    getHealth(AbortSignal.timeout(PROBE_TIMEOUT_MS))
      .then((health) => update(health.service === 'bulkmsg-sidecar'
        ? { state: 'ready' }
        : { state: 'failed', message: 'Another program answers on the local service port.' }))
      .catch((err: Error) => update({ state: 'failed', message: err.message }))
      .finally(() => { probing.current = false; });
  }, [update]);

  useEffect(() => {
    const desktop = desktopApi();
    if (!desktop) {
      probe();
      const timer = window.setInterval(probe, PROBE_MS);
      const unsubscribe = onNetworkError(probe);
      return () => { window.clearInterval(timer); unsubscribe(); };
    }
    // Electron's main process watches the process itself and pushes every change.
    void desktop.sidecarStatus().then(update);
    return desktop.onSidecarStatus(update);
  }, [probe, update]);

  return { status, retry: probe, generation };
}
