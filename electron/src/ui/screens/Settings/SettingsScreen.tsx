import '../Campaigns/campaigns.css';
import { ConsentWords } from './ConsentWords';
import './settings.css';
import { Webhooks } from './Webhooks';

/** Settings: where providers send delivery statuses and replies, and the words that opt contacts out or in. */
export function SettingsScreen() {
  return (
    <section className="screen" aria-labelledby="settings-title">
      <header className="screen__header">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p className="muted">How delivery statuses and replies reach this app, and how opt-outs are recognised.</p>
        </div>
      </header>
      <Webhooks />
      <ConsentWords />
    </section>
  );
}
