import { useCallback, useEffect, useState } from 'react';
import { alreadyReported, onLoggedOut, sessionApi } from '../api/client';
import type { SessionInfo } from '../api/types';

/**
 * The sidecar's mode and who is logged in: asked once at start (GET /session), set by a login, cleared by a
 * logout or by any request the sidecar refuses with 401 not_logged_in (an expired session).
 */
export function useTeamSession() {
  const [session, setSession] = useState<SessionInfo | null>(null);
  const [loaded, setLoaded] = useState(false);
  const reload = useCallback(() => {
    sessionApi.get().then(setSession).catch(alreadyReported).finally(() => setLoaded(true));
  }, []);
  useEffect(reload, [reload]);
  useEffect(() => onLoggedOut(() => setSession({ mode: 'team', user: null, csrf_token: null })), []);
  const logout = () => { sessionApi.logout().catch(alreadyReported).finally(reload); };
  return { session, loaded, setSession, logout };
}
