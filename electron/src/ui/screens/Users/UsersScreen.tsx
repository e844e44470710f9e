import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { usersApi } from '../../api/client';
import type { Role, User } from '../../api/types';
import { Alert } from '../../components/Alert';
import '../Campaigns/campaigns.css';

const ROLES: Role[] = ['viewer', 'sender', 'admin'];
const ROLE_HELP = 'Viewers read everything; senders also edit lists and templates and run campaigns; admins also ' +
  'manage channels, settings and users.';

/** The form that adds a user with a role and a first password. */
function AddUser({ onAdded }: { onAdded: (user: User) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      onAdded(await usersApi.add({ name, role, password }));
      setName('');
      setPassword('');
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="card cmp-stack" onSubmit={(e) => void submit(e)} aria-labelledby="add-user-title" data-testid="add-user">
      <h2 id="add-user-title" className="cmp-title">Add a user</h2>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      <div className="cmp-grid">
        <label className="field"><span>Name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} required /></label>
        <label className="field"><span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </select></label>
        <label className="field"><span>First password (10 characters or more)</span>
          <input type="password" autoComplete="new-password" value={password}
            onChange={(e) => setPassword(e.target.value)} required /></label>
      </div>
      <div className="screen__actions"><button type="submit" className="btn btn--primary">Add user</button></div>
    </form>
  );
}

/** Admins: the team's users, their roles and whether they may log in. */
export function UsersScreen() {
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => { usersApi.all().then(setUsers).catch((err: Error) => setError(err.message)); }, []);
  useEffect(load, [load]);
  const change = (user: User, body: { role?: Role; disabled?: boolean }) => {
    usersApi.change(user.id, body).then(load).catch((err: Error) => setError(err.message));
  };
  return (
    <section className="screen" aria-labelledby="users-title">
      <header className="screen__header">
        <div><h1 id="users-title">Users</h1><p className="muted">{ROLE_HELP}</p></div>
      </header>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      <AddUser onAdded={load} />
      <table className="cmp-table card" data-testid="users-table">
        <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-user={u.name}>
              <td>{u.name}</td>
              <td>
                <select aria-label={`Role of ${u.name}`} value={u.role} onChange={(e) => change(u, { role: e.target.value as Role })}>
                  {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </td>
              <td>{u.disabled ? 'disabled' : 'active'}</td>
              <td>
                <button type="button" className="btn btn--small" onClick={() => change(u, { disabled: !u.disabled })}>
                  {u.disabled ? 'Enable' : 'Disable'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
