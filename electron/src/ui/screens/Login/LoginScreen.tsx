import { useState, type FormEvent } from 'react';
import { sessionApi } from '../../api/client';
import type { SessionInfo } from '../../api/types';
import { Alert } from '../../components/Alert';

/** Team mode: the name and password form shown until the sidecar knows who is using the app. */
export function LoginScreen({ onLoggedIn }: { onLoggedIn: (session: SessionInfo) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await sessionApi.login(name, password));
    } catch (err) {
      setError((err as Error).message);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="screen login" aria-labelledby="login-title">
      <form className="card cmp-stack login__card" onSubmit={(e) => void submit(e)} data-testid="login-form">
        <h1 id="login-title">Log in</h1>
        <p className="muted small">This server is shared by a team: log in with the name and password an admin gave you.</p>
        {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
        <label className="field">
          <span>User name</span>
          <input autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" autoComplete="current-password" value={password}
            onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <div className="screen__actions">
          <button type="submit" className="btn btn--primary" disabled={busy}>Log in</button>
        </div>
      </form>
    </main>
  );
}
