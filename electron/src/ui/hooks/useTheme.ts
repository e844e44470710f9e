import { useEffect, useState } from 'react';
import { useStoredState } from './useStoredState';

export type ThemeChoice = 'light' | 'dark' | 'system';
export const THEME_KEY = 'bulkmsg.theme';

const DARK_QUERY = '(prefers-color-scheme: dark)';

/** Whether the OS asks for dark right now, kept current when the OS setting changes. */
function useSystemPrefersDark(): boolean {
  const [dark, setDark] = useState(() => window.matchMedia?.(DARK_QUERY).matches ?? false);
  useEffect(() => {
    const media = window.matchMedia?.(DARK_QUERY);
    if (!media) return undefined;
    const update = () => setDark(media.matches);
    media.addEventListener('change', update);
    update(); // the setting may have changed between the first render and this subscription
    return () => media.removeEventListener('change', update);
  }, []);
  return dark;
}

/** The user's theme choice (remembered), applied as data-theme on <html>. */
export function useTheme(): { choice: ThemeChoice; effective: 'light' | 'dark'; setChoice: (c: ThemeChoice) => void } {
  const [stored, setStored] = useStoredState(THEME_KEY, null);
  const systemDark = useSystemPrefersDark();
  const choice: ThemeChoice = stored === 'light' || stored === 'dark' ? stored : 'system';
  const effective = choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
  useEffect(() => {
    const root = document.documentElement;
    if (choice === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', choice);
  }, [choice]);
  const setChoice = (next: ThemeChoice) => setStored(next === 'system' ? null : next);
  return { choice, effective, setChoice };
}
