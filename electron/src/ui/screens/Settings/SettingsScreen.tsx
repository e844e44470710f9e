import type { RegionsState } from '../../hooks/useRegions';
import type { ThemeChoice } from '../../hooks/useTheme';
import '../Campaigns/campaigns.css';
import { Channels } from './Channels';
import { ConsentWords } from './ConsentWords';
import { General } from './General';
import { RemoteAccess } from './RemoteAccess';
import './settings.css';
import { Webhooks } from './Webhooks';

/** Settings: country, theme, folders and secrets; remote access; channels; webhooks; opt-out words. */
export function SettingsScreen({ regions, theme, onTheme }: { regions: RegionsState; theme: ThemeChoice;
  onTheme: (choice: ThemeChoice) => void }) {
  return (
    <section className="screen" aria-labelledby="settings-title">
      <header className="screen__header">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p className="muted">How this app works on this computer, who may reach it, its channels, and how delivery
            statuses, replies and opt-outs come back.</p>
        </div>
      </header>
      <General regions={regions} theme={theme} onTheme={onTheme} />
      <RemoteAccess />
      <Channels />
      <Webhooks />
      <ConsentWords />
    </section>
  );
}
