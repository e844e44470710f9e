import { useEffect, useState } from 'react';
import { accessApi, alreadyReported, channelsApi } from '../../api/client';
import type { Answer } from '../../api/types';
import { CountrySelect } from '../../components/CountrySelect';
import type { RegionsState } from '../../hooks/useRegions';
import type { ThemeChoice } from '../../hooks/useTheme';

type SecretsStore = Answer<'secretsStore'>;
type Access = Answer<'getAccess'>;

/** Which store keeps channel secrets, in words, with what it protects against and what it does not. */
function SecretsStoreFacts({ store }: { store: SecretsStore }) {
  return (
    <div className="cmp-stack" data-testid="secrets-store">
      <p>
        Channel passwords and tokens are kept in{' '}
        <strong>{store.store === 'keychain' ? `the system keychain${store.backend ? ` (${store.backend})` : ''}`
          : store.store === 'database' ? `the team's database, encrypted (${store.backend ?? 'AES-256-GCM'})`
          : 'an encrypted file in the data folder (no system keychain was found)'}</strong>.
        {store.file && <> File: <span className="mono">{store.file.file}</span>; its key: <span className="mono">{store.file.key_file}</span>.</>}
      </p>
      <ul className="small">
        {store.protects_against.map((p) => <li key={p}>Protects against: {p}</li>)}
        {store.does_not_protect_against.map((p) => <li key={p}>Does not protect against: {p}</li>)}
      </ul>
    </div>
  );
}

/** Settings → General: default country, theme, the folders the app uses and where secrets are kept. */
export function General({ regions, theme, onTheme }: { regions: RegionsState; theme: ThemeChoice;
  onTheme: (choice: ThemeChoice) => void }) {
  const [store, setStore] = useState<SecretsStore | null>(null);
  const [access, setAccess] = useState<Access | null>(null);
  useEffect(() => {
    channelsApi.secretsStore().then(setStore, alreadyReported);
    accessApi.get().then(setAccess, () => setAccess(null)); // other machines are not shown the folders
  }, []);
  return (
    <section className="card cmp-stack" aria-labelledby="general-title" data-testid="settings-general">
      <h2 id="general-title" className="cmp-title">General</h2>
      <div className="cmp-fields">
        <CountrySelect label="Default country" options={regions.options} value={regions.region} onChange={regions.setRegion} />
        <label className="field"><span>Theme</span>
          <select aria-label="Theme" value={theme} onChange={(e) => onTheme(e.target.value as ThemeChoice)}>
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
      </div>
      {access && (
        <dl className="facts" data-testid="folders">
          <div className="facts__item"><dt>Data folder</dt><dd className="mono settings-url__value">{access.data_dir}</dd></div>
          <div className="facts__item"><dt>Configuration folder</dt><dd className="mono settings-url__value">{access.config_dir ?? '—'}</dd></div>
        </dl>
      )}
      {store && <SecretsStoreFacts store={store} />}
    </section>
  );
}
