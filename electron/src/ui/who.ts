/**
 * Who is using the app: in the desktop mode the one user with every right; in team mode the logged-in user and
 * their role. Screens ask `can(role)` to hide or disable what the role may not do (the sidecar refuses anyway).
 */
import { createContext, useContext } from 'react';
import type { Role, SessionInfo } from './api/types';

const RANKS: Record<Role, number> = { viewer: 0, sender: 1, admin: 2 };

export interface Who {
  mode: SessionInfo['mode'];
  user: SessionInfo['user'];
  /** Whether the user's role is at least ROLE. */
  can: (role: Role) => boolean;
}

/** What the session answer means for the screens. */
export function whoOf(session: SessionInfo | null): Who {
  const mode = session?.mode ?? 'desktop';
  const user = session?.user ?? null;
  const rank = mode === 'desktop' ? RANKS.admin : user ? RANKS[user.role] : -1;
  return { mode, user, can: (role) => rank >= RANKS[role] };
}

export const WhoContext = createContext<Who>(whoOf(null));

/** The current user and what their role allows. */
export function useWho(): Who {
  return useContext(WhoContext);
}
