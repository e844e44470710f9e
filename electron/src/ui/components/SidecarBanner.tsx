import type { SidecarStatus } from '../desktopApi';

const TEXT: Record<SidecarStatus['state'], string> = {
  starting: 'Starting the local number service…',
  ready: '',
  restarting: 'The local number service stopped unexpectedly and is restarting…',
  failed: 'The local number service is not available.',
  stopped: 'The local number service has stopped.',
};

/** A strip under the header whenever the sidecar is not ready. */
export function SidecarBanner({ status, onRetry }: { status: SidecarStatus; onRetry: () => void }) {
  if (status.state === 'ready') return null;
  const problem = status.state === 'failed' || status.state === 'stopped';
  return (
    <div className={`sidecar-banner${problem ? ' is-problem' : ''}`} role={problem ? 'alert' : 'status'}>
      <span>{TEXT[status.state]}{status.message ? ` ${status.message}` : ''}</span>
      {problem && <button type="button" className="btn btn--small" onClick={onRetry}>Retry</button>}
    </div>
  );
}
