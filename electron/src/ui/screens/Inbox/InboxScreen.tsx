import { useCallback, useEffect, useRef, useState } from 'react';
import { alreadyReported, inboxApi } from '../../api/client';
import type { Conversation } from '../../api/deliveryTypes';
import { Alert } from '../../components/Alert';
import { useDebounced } from '../../hooks/useDebounced';
import type { InboxLive } from '../../hooks/useInboxState';
import '../Campaigns/campaigns.css';
import { ConversationView } from './ConversationView';
import { type ConversationKey, sameConversation, when } from './format';
import './inbox.css';

const PAGE = 50;

/** What to announce about conversations that got a new inbound message since BEFORE. */
function newMessages(before: Conversation[], after: Conversation[]): string | null {
  const fresh = after.filter((c) => c.last_direction === 'in' && !before.some((b) => b.channel_id === c.channel_id
    && b.address === c.address && b.last_at === c.last_at && b.last_body === c.last_body));
  if (fresh.length === 0) return null;
  const [first] = fresh;
  const more = fresh.length > 1 ? ` and ${fresh.length - 1} more` : '';
  return `New message from ${first.name ?? first.address}: ${first.last_body}${more}`;
}

interface Props {
  live: InboxLive;
  /** Show a campaign on the Campaigns screen. */
  onOpenCampaign: (campaignId: number) => void;
}

/** Inbox: replies from contacts on every channel, live; open one to read it (marks it read) and answer. */
export function InboxScreen({ live, onOpenCampaign }: Props) {
  const [search, setSearch] = useState('');
  const q = useDebounced(search, 250);
  const [limit, setLimit] = useState(PAGE);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<ConversationKey | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const shown = useRef<Conversation[] | null>(null);

  const reload = useCallback(async (signal?: AbortSignal) => {
    const page = await inboxApi.page(q, 0, limit, signal);
    if (shown.current !== null) {
      const news = newMessages(shown.current, page.conversations);
      if (news) setAnnouncement(news);
    }
    shown.current = page.conversations;
    setConversations(page.conversations);
    setTotal(page.total);
    setLoaded(true);
    setError(null);
  }, [q, limit]);

  // A new search or page size is not news: announce only what changes between reloads of the same view.
  useEffect(() => { shown.current = null; }, [q, limit]);
  useEffect(() => {
    const abort = new AbortController();
    reload(abort.signal).catch((err: Error) => {
      if (err.name !== 'AbortError') setError(`Could not load the inbox: ${err.message}`);
    });
    return () => abort.abort();
  }, [reload, live.version]);

  const current = conversations.find((c) => sameConversation(c, selected)) ?? null;

  return (
    <section className="screen" aria-labelledby="inbox-title">
      <header className="screen__header">
        <div>
          <h1 id="inbox-title">Inbox</h1>
          <p className="muted">
            Replies from your contacts, on every channel. A reply with an opt-out word such as STOP puts the contact
            on the consent list, and no campaign contacts them again.
          </p>
        </div>
        <p className="inbox-total" data-testid="inbox-unread">
          {live.unread === 0 ? 'No unread messages' : `${live.unread} unread ${live.unread === 1 ? 'message' : 'messages'}`}
        </p>
      </header>
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="inbox-announcer">
        {announcement}
      </div>
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      <div className="cmp-grid inbox-grid">
        <div className="card cmp-stack" data-testid="inbox-list">
          <h2 className="cmp-title" id="inbox-conversations-title">Conversations</h2>
          <label className="field">
            <span>Search conversations</span>
            <input type="search" value={search} placeholder="Name or number" onChange={(e) => { setSearch(e.target.value); setLimit(PAGE); }} />
          </label>
          {loaded && conversations.length === 0 && (
            <p className="muted">{q ? 'No conversation matches this search.'
              : 'No replies yet. Messages your contacts send back arrive here once the channel’s webhook is set up (see Settings).'}</p>
          )}
          <ul className="inbox-list" aria-labelledby="inbox-conversations-title">
            {conversations.map((c) => (
              <li key={`${c.channel_id}|${c.address}`}>
                <button type="button" className="inbox-item" aria-current={sameConversation(c, selected) ? 'true' : undefined}
                  data-channel-id={c.channel_id} data-address={c.address}
                  onClick={() => setSelected({ channelId: c.channel_id, address: c.address })}>
                  <span className="inbox-item__top">
                    <span className={`inbox-item__who${c.unread > 0 ? ' inbox-item__who--unread' : ''}`}>{c.name ?? c.address}</span>
                    {c.unread > 0 && <span className="inbox-badge" data-testid="unread-badge">{c.unread} unread</span>}
                    {c.opted_out && <span className="inbox-badge inbox-badge--optout">Opted out</span>}
                  </span>
                  <span className="inbox-item__body truncate">
                    {c.last_direction === 'out' ? 'You: ' : ''}{c.last_body}
                  </span>
                  <span className="small muted">
                    {c.channel_name ?? 'Deleted channel'} · <time dateTime={c.last_at}>{when(c.last_at)}</time>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {conversations.length < total && (
            <button type="button" className="btn btn--small" onClick={() => setLimit((l) => l + PAGE)}>
              Show more conversations ({total - conversations.length} more)
            </button>
          )}
        </div>
        {selected ? (
          <ConversationView conversationKey={selected} version={live.version} unread={current?.unread ?? 0}
            onRead={() => { reload().catch(alreadyReported); }} onOpenCampaign={onOpenCampaign} />
        ) : (
          conversations.length > 0 && <div className="card empty-state"><p className="muted">Pick a conversation to read it and reply.</p></div>
        )}
      </div>
    </section>
  );
}
