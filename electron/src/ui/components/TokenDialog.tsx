import { useState } from 'react';
import { Dialog } from './Dialog';

interface Props {
  open: boolean;
  /** A token was already sent and refused. */
  rejected: boolean;
  onSave: (token: string) => void;
  onClose: () => void;
}

/** Asks for the sidecar's access token, which a UI opened from another computer must send. */
export function TokenDialog({ open, rejected, onSave, onClose }: Props) {
  const [token, setToken] = useState('');
  return (
    <Dialog title="Access token needed" open={open} onClose={onClose} confirmLabel="Connect"
      onConfirm={() => token.trim() && onSave(token)}>
      <p>
        This app is open from another computer, so the number service asks for its access token. It is shown
        in Settings on the computer running the app (or by <code>app.py --show-token</code>).
      </p>
      {rejected && <p className="form-error" role="alert">The token you entered was not accepted.</p>}
      <div className="field">
        <label htmlFor="access-token">Access token</label>
        <input id="access-token" className="mono" type="password" autoComplete="off" value={token}
          onChange={(e) => setToken(e.target.value)} />
      </div>
    </Dialog>
  );
}
