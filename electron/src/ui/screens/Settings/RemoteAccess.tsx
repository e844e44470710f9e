import { useEffect, useState } from 'react';
import { accessApi } from '../../api/client';
import type { Answer } from '../../api/types';
import { copyText } from '../../clipboard';

type Access = Answer<'getAccess'>;

/**
 * Settings → Remote access: whether other machines may use this app (with the token), the token itself (hidden
 * until asked; copy; rotate) and the addresses to open. Only this machine's own app is shown any of it.
 */
export function RemoteAccess() {
  const [access, setAccess] = useState<Access | null>(null);
  const [shown, setShown] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    accessApi.get().then(setAccess, (err: Error) => setError(err.message));
  }, []);
  const act = async (work: () => Promise<Access>, done: string) => {
    setError(null);
    try {
      setAccess(await work());
      setNotice(done);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const rotate = () => {
    if (!window.confirm('Make a new access token? Other machines using the old one must enter the new one.')) return;
    void act(accessApi.rotate, 'A new token is in use; the old one no longer works.');
  };
  const copy = async () => setNotice(access && await copyText(access.token) ? 'Token copied.' : 'Copy it by hand: the browser refused.');
  const locked = access !== null && (access.remote_access_source === 'environment' || access.remote_access_source === 'command line');
  return (
    <section className="card cmp-stack" aria-labelledby="remote-title" data-testid="settings-remote">
      <h2 id="remote-title" className="cmp-title">Remote access</h2>
      {error && <p className="form-error" role="alert">{error}</p>}
      {access && (
        <>
          <label className="settings-switch">
            <input type="checkbox" role="switch" aria-label="Allow other machines (with the access token)"
              checked={access.remote_access} disabled={locked}
              onChange={(e) => void act(() => accessApi.setRemote(e.target.checked),
                e.target.checked ? 'Other machines may connect with the token.' : 'Only this machine may use the app.')} />
            <span>Allow other machines on the network to use this app (they must enter the access token)</span>
          </label>
          {locked && <p className="small">Set by the {access.remote_access_source} when the app started; change it there.</p>}
          <div className="settings-copy">
            <span>Access token:</span>
            <code className="mono settings-url__value" data-testid="access-token">{shown ? access.token : '•'.repeat(16)}</code>
            <button type="button" className="btn btn--small" onClick={() => setShown(!shown)}>{shown ? 'Hide' : 'Show'}</button>
            <button type="button" className="btn btn--small" onClick={() => void copy()}>Copy</button>
            <button type="button" className="btn btn--small btn--ghost" onClick={rotate}>Rotate…</button>
          </div>
          {access.remote_access && (
            access.lan_urls.length > 0 ? (
              <ul className="small" aria-label="Addresses for other machines" data-testid="lan-urls">
                {access.lan_urls.map((u) => <li key={u} className="mono">{u}</li>)}
              </ul>
            ) : <p className="small">This app only listens on this machine's own address, so no other machine can reach it.</p>
          )}
        </>
      )}
      {notice && <p className="small" role="status">{notice}</p>}
    </section>
  );
}
