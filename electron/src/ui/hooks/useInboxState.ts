import { useEffect, useState } from 'react';
import { alreadyReported, followInbox, inboxApi } from '../api/client';

export interface InboxLive {
  /** Inbound messages nobody has opened yet. */
  unread: number;
  /** The newest inbox message id the stream announced (0 before the first event). */
  latestId: number;
  /** Bumped on every stream event, so screens reload even when the counts did not change. */
  version: number;
}

/**
 * The inbox's live state for the whole app (the navigation badge and the Inbox screen share one event
 * stream): read once, then followed through GET /inbox/events.
 */
export function useInboxState(): InboxLive {
  const [live, setLive] = useState<InboxLive>({ unread: 0, latestId: 0, version: 0 });
  useEffect(() => {
    let closed = false;
    inboxApi.page('', 0, 1)
      .then((page) => { if (!closed) setLive((prev) => (prev.version === 0 ? { ...prev, unread: page.unread } : prev)); })
      .catch(alreadyReported);
    const stop = followInbox((state) => setLive((prev) => ({
      unread: state.unread, latestId: state.latest_id, version: prev.version + 1,
    })));
    return () => { closed = true; stop(); };
  }, []);
  return live;
}
