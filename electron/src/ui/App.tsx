import { useEffect, useState, type ReactNode } from 'react';
import { accessToken, alreadyReported, ensureSession, onUnauthorized, setAccessToken } from './api/client';
import type { ImportInfo, Role } from './api/types';
import { SidecarBanner } from './components/SidecarBanner';
import { StorageBanner } from './components/StorageBanner';
import { ThemeToggle } from './components/ThemeToggle';
import { TokenDialog } from './components/TokenDialog';
import { useInboxState, type InboxLive } from './hooks/useInboxState';
import { useRegions, type RegionsState } from './hooks/useRegions';
import { isAway, useSidecarStatus } from './hooks/useSidecarStatus';
import { useStorageHealth } from './hooks/useStorageHealth';
import { useTeamSession } from './hooks/useTeamSession';
import { useTheme } from './hooks/useTheme';
import { AuditScreen } from './screens/Audit/AuditScreen';
import { CheckerScreen } from './screens/Checker/CheckerScreen';
import { CampaignsScreen } from './screens/Campaigns/CampaignsScreen';
import { ComposeScreen } from './screens/Compose/ComposeScreen';
import { ImportScreen } from './screens/Import/ImportScreen';
import { InboxScreen } from './screens/Inbox/InboxScreen';
import { ListsScreen } from './screens/Lists/ListsScreen';
import { LoginScreen } from './screens/Login/LoginScreen';
import type { ImportSource } from './screens/Import/useImporter';
import { ResultsScreen } from './screens/Results/ResultsScreen';
import { SettingsScreen } from './screens/Settings/SettingsScreen';
import { UsersScreen } from './screens/Users/UsersScreen';
import type { ImportSession } from './session';
import { whoOf, WhoContext, type Who } from './who';

type ScreenId = 'import' | 'results' | 'checker' | 'lists' | 'compose' | 'campaigns' | 'inbox' | 'settings' | 'users' | 'audit';

interface ScreenContext {
  regions: RegionsState;
  session: ImportSession | null;
  setSession: (session: ImportSession) => void;
  go: (screen: ScreenId) => void;
  /** The campaign the Compose screen has just created, which the Campaigns screen focuses. */
  createdCampaign: number | null;
  campaignCreated: (campaignId: number) => void;
  /** The inbox's unread count and live events, shared by the navigation and the Inbox screen. */
  inbox: InboxLive;
  theme: ReturnType<typeof useTheme>;
}

/**
 * The navigation: one entry per screen folder. Lists, Compose, Campaigns and Settings are added here
 * the same way (a folder under screens/ and one line below).
 */
/** LEAST: the least role that can use the screen at all (team mode; the desktop user has every role). */
const SCREENS: { id: ScreenId; label: string; render: (ctx: ScreenContext) => ReactNode; teamAdmin?: boolean; least?: Role }[] = [
  {
    id: 'import',
    label: 'Import',
    least: 'sender',
    render: (ctx) => (
      <ImportScreen regions={ctx.regions} currentId={ctx.session?.info.import_id ?? null}
        onImported={(info: ImportInfo, source: ImportSource) => {
          ctx.setSession({ info, source, choices: { default_region: info.region } });
          ctx.go('results');
        }} />
    ),
  },
  {
    id: 'results',
    label: 'Results',
    render: (ctx) => (
      <ResultsScreen session={ctx.session} regions={ctx.regions} onSession={ctx.setSession} onGoImport={() => ctx.go('import')} />
    ),
  },
  { id: 'checker', label: 'Number checker', render: (ctx) => <CheckerScreen regions={ctx.regions} /> },
  { id: 'lists', label: 'Saved lists', render: (ctx) => <ListsScreen regions={ctx.regions} session={ctx.session} /> },
  { id: 'compose', label: 'Compose', least: 'sender', render: (ctx) => <ComposeScreen onCreated={ctx.campaignCreated} /> },
  { id: 'campaigns', label: 'Campaigns', render: (ctx) => <CampaignsScreen createdId={ctx.createdCampaign} /> },
  { id: 'inbox', label: 'Inbox', render: (ctx) => <InboxScreen live={ctx.inbox} onOpenCampaign={ctx.campaignCreated} /> },
  { id: 'settings', label: 'Settings', least: 'admin', render: (ctx) => <SettingsScreen regions={ctx.regions} theme={ctx.theme.choice} onTheme={ctx.theme.setChoice} /> },
  // Team mode only, for admins: the desktop app has a single user and no audit log.
  { id: 'users', label: 'Users', render: () => <UsersScreen />, teamAdmin: true },
  { id: 'audit', label: 'Audit log', render: () => <AuditScreen />, teamAdmin: true },
];

/** The screens WHO may open (Users and Audit: team admins only). */
function screensFor(who: Who) {
  const admin: Role = 'admin';
  return SCREENS.filter((s) => (!s.teamAdmin || (who.mode === 'team' && who.can(admin))) && who.can(s.least ?? 'viewer'));
}

/** Team mode: the logged-in user's name and role, and Log out. */
function UserBadge({ who, onLogout }: { who: Who; onLogout: () => void }) {
  if (who.mode !== 'team' || !who.user) return null;
  return (
    <div className="user-badge" data-testid="user-badge">
      <span>{who.user.name} <span className="muted small">({who.user.role})</span></span>
      <button type="button" className="btn btn--ghost btn--small" onClick={onLogout}>Log out</button>
    </div>
  );
}

/**
 * What to tell screen-reader users when a reply arrives while they are on another screen (the Inbox screen
 * announces its own, with the sender and the words).
 */
function useNewReplyNotice(inbox: InboxLive, onInbox: boolean): string {
  const [notice, setNotice] = useState('');
  const [seen, setSeen] = useState(inbox);
  if (inbox.version !== seen.version) {  // only stream events are news, not the first count
    setSeen(inbox);
    setNotice(inbox.unread > seen.unread && !onInbox ? `New reply in the Inbox: ${inbox.unread} unread.` : '');
  }
  return notice;
}

/** What to tell screen-reader users when an import (new, re-mapped or reopened) is ready on Results. */
function useImportNotice(session: ImportSession | null): string {
  const [seen, setSeen] = useState<{ id: string | null; text: string }>({ id: null, text: '' });
  const id = session?.info.import_id ?? null;
  if (session && id !== seen.id) {
    const name = session.source.kind === 'file' ? session.source.fileName : 'Pasted numbers';
    setSeen({ id, text: `Import ready: ${name}. ${session.info.message}.` });
  }
  return seen.text;
}

/** The application shell: header, navigation, sidecar status and the current screen. */
export function App() {
  const [screen, setScreen] = useState<ScreenId>('import');
  const [session, setSession] = useState<ImportSession | null>(null);
  const [createdCampaign, setCreatedCampaign] = useState<number | null>(null);
  const sidecar = useSidecarStatus();
  const sidecarAway = isAway(sidecar.status.state);
  const regions = useRegions(sidecar.generation);
  const theme = useTheme();
  const storage = useStorageHealth();
  const inbox = useInboxState();
  const newReply = useNewReplyNotice(inbox, screen === 'inbox');
  const importNotice = useImportNotice(session);
  const team = useTeamSession();
  const who = whoOf(team.session);
  const screens = screensFor(who);
  const current = screens.find((s) => s.id === screen) ?? screens[0];
  const [needToken, setNeedToken] = useState(false);
  useEffect(() => onUnauthorized(() => setNeedToken(true)), []);
  // Links and event streams carry the token as the session cookie; get it before the user can click one.
  useEffect(() => { ensureSession().catch(alreadyReported); }, []);
  const saveToken = (token: string) => {
    setAccessToken(token);
    window.location.reload(); // every screen re-fetches with the token
  };

  if (who.mode === 'team' && !who.user) {
    return <LoginScreen onLoggedIn={(answer) => { team.setSession(answer); setScreen('campaigns'); }} />;
  }
  return (
    <WhoContext.Provider value={who}>
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="app__header">
        <div className="brand">
          <span className="brand__mark" aria-hidden="true">✉</span>
          <span className="brand__name">Bulk Messaging</span>
        </div>
        <UserBadge who={who} onLogout={team.logout} />
        <ThemeToggle choice={theme.choice} effective={theme.effective} onChange={theme.setChoice} />
      </header>
      <SidecarBanner status={sidecar.status} onRetry={sidecar.retry} />
      <StorageBanner storage={storage} />
      <div className="app__body">
        <nav className="app__nav" aria-label="Main">
          <ul>
            {screens.map((s) => (
              <li key={s.id}>
                <button type="button" className="nav-item" aria-current={s.id === screen ? 'page' : undefined}
                  onClick={() => { setScreen(s.id); setCreatedCampaign(null); }}>
                  {s.label}
                  {s.id === 'results' && session && <span className="nav-item__count">{session.info.summary.entries}</span>}
                  {s.id === 'inbox' && inbox.unread > 0 && (
                    <span className="nav-item__count nav-item__count--unread" data-testid="inbox-nav-unread">
                      {inbox.unread}<span className="visually-hidden"> unread</span>
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {/* While the sidecar is away the screen stays (nothing typed is lost) but cannot be used; when it is back
            the screen is mounted again, so it loads what it could not load meanwhile. */}
        <main id="main" className={`app__main${sidecarAway ? ' is-away' : ''}`} tabIndex={-1} inert={sidecarAway}
          aria-disabled={sidecarAway || undefined} aria-busy={sidecarAway || undefined} key={sidecar.generation}>
          {current.render({ regions, session, setSession, go: setScreen, createdCampaign, inbox, theme,
            campaignCreated: (campaignId) => { setCreatedCampaign(campaignId); setScreen('campaigns'); } })}
        </main>
        <div className="visually-hidden" role="status" aria-live="polite">{newReply}</div>
        <div className="visually-hidden" role="status" aria-live="polite" data-testid="import-announcement">{importNotice}</div>
        <TokenDialog open={needToken} rejected={accessToken() !== null} onSave={saveToken}
          onClose={() => setNeedToken(false)} />
      </div>
    </div>
    </WhoContext.Provider>
  );
}
