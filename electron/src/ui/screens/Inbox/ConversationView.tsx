import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, alreadyReported, inboxApi } from '../../api/client';
import type { InboxThread } from '../../api/deliveryTypes';
import { Alert } from '../../components/Alert';
import { contactLabel, when, type ConversationKey } from './format';

interface Props {
  conversationKey: ConversationKey;
  /** Changes on every inbox event: the thread is read again. */
  version: number;
  /** The conversation's unread count in the list; when above 0 the open conversation is marked read. */
  unread: number;
  onRead: () => void;
  onOpenCampaign: (campaignId: number) => void;
}

/** Words for a failed reply, by the sidecar's error code. */
function replyError(err: unknown): string {
  if (!(err instanceof ApiError)) return (err as Error).message;
  if (err.code === 'send_failed') return `The provider refused the reply: ${err.message}`;
  return err.message;
}

/** One conversation: its messages oldest first, who and where, and the reply form. */
export function ConversationView({ conversationKey, version, unread, onRead, onOpenCampaign }: Props) {
  const { channelId, address } = conversationKey;
  const [thread, setThread] = useState<InboxThread | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [body, setBody] = useState('');
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const messages = useRef<HTMLOListElement>(null);
  const focusOnLoad = useRef(true);

  // A newly picked conversation starts empty, and takes the focus once it has loaded.
  useEffect(() => {
    setThread(null);
    setBody('');
    setError(null);
    setSent(null);
    focusOnLoad.current = true;
  }, [channelId, address]);

  useEffect(() => {
    const abort = new AbortController();
    inboxApi.thread(channelId, address, abort.signal).then(setThread).catch((err: Error) => {
      if (err.name !== 'AbortError') setError(`Could not load the conversation: ${err.message}`);
    });
    return () => abort.abort();
  }, [channelId, address, version]);

  const onReadRef = useRef(onRead);
  onReadRef.current = onRead;
  useEffect(() => {
    if (unread <= 0) return;
    inboxApi.markRead(channelId, address).then((r) => { if (r.read > 0) onReadRef.current(); }).catch(alreadyReported);
  }, [channelId, address, unread]);

  // Keep the newest message in view; move the focus to the conversation when the user opened it.
  const count = thread?.messages.length ?? 0;
  useEffect(() => {
    if (!thread) return;
    if (messages.current) messages.current.scrollTop = messages.current.scrollHeight;
    if (focusOnLoad.current) {
      focusOnLoad.current = false;
      heading.current?.focus();
    }
  }, [thread, count]);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!body.trim()) return;
    setSending(true);
    setError(null);
    setSent(null);
    try {
      const answer = await inboxApi.reply(channelId, address, body);
      setThread((t) => t && { ...t, messages: [...t.messages, answer.message] });
      setBody('');
      setSent('Reply sent.');
    } catch (err) {
      setError(replyError(err));
      // A failed attempt is kept in the thread: show it.
      inboxApi.thread(channelId, address).then(setThread).catch(alreadyReported);
    } finally {
      setSending(false);
    }
  };

  const who = thread ? contactLabel(thread) : address;
  const firstName = thread?.name ?? address;
  return (
    <section className="card cmp-stack inbox-thread" aria-labelledby="inbox-thread-title" data-testid="inbox-thread">
      <h2 className="cmp-title" id="inbox-thread-title" ref={heading} tabIndex={-1}>{who}</h2>
      {thread && (
        <p className="small muted">
          On {thread.channel_name ?? 'a deleted channel'}
          {thread.campaign_id !== null && (
            <> · replying to campaign{' '}
              <button type="button" className="btn btn--ghost btn--small inbox-link" onClick={() => onOpenCampaign(thread.campaign_id as number)}>
                {thread.campaign_name ?? `#${thread.campaign_id}`}
              </button>
            </>
          )}
        </p>
      )}
      {thread?.opted_out && (
        <Alert tone="info" title="Opted out">
          {firstName} is on the consent list: no campaign will contact them and replies are blocked. If they opted back
          in, remove them from the consent list on the Saved lists screen.
        </Alert>
      )}
      {error && <Alert tone="error" onDismiss={() => setError(null)}>{error}</Alert>}
      {!thread && !error && <p className="muted" role="status">Loading the conversation…</p>}
      {thread && (
        <ol className="inbox-messages" aria-label={`Messages with ${firstName}`} ref={messages} tabIndex={0}>
          {thread.messages.map((m) => (
            <li key={m.id} className={`inbox-msg inbox-msg--${m.direction}${m.status === 'failed' ? ' inbox-msg--failed' : ''}`}
              data-message-id={m.id} data-direction={m.direction}>
              <p className="inbox-msg__meta small">
                <strong>{m.direction === 'in' ? firstName : 'You'}</strong>
                {' · '}<time dateTime={m.at}>{when(m.at)}</time>
                {m.status === 'failed' && <span className="inbox-msg__error"> · Not sent{m.error ? `: ${m.error}` : ''}</span>}
              </p>
              <p className="inbox-msg__body">{m.body}</p>
            </li>
          ))}
        </ol>
      )}
      {thread && (
        <form className="cmp-stack" onSubmit={send}>
          <label className="field">
            <span>Reply to {firstName}</span>
            <textarea rows={3} value={body} disabled={thread.opted_out || sending}
              aria-describedby={thread.opted_out ? 'inbox-reply-blocked' : undefined}
              onChange={(e) => setBody(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e); }} />
          </label>
          {thread.opted_out && <p id="inbox-reply-blocked" className="small muted">Replies are blocked: this contact opted out.</p>}
          <div className="toolbar">
            <span className="small muted">Ctrl+Enter sends.</span>
            <button type="submit" className="btn btn--primary" disabled={thread.opted_out || sending || !body.trim()}>
              {sending ? 'Sending…' : 'Send reply'}
            </button>
          </div>
          <p className="small" role="status">{sent}</p>
        </form>
      )}
    </section>
  );
}
