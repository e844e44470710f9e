import { useCallback, useState } from 'react';

/** Read a remembered string; storage can be unavailable (privacy modes), which is not an error. */
export function readStored(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Remember a string (or forget it with null). */
export function writeStored(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // Remembering is a convenience; the app works without it.
  }
}

/** A string state mirrored into localStorage under `key`. */
export function useStoredState(key: string, initial: string | null): [string | null, (value: string | null) => void] {
  const [value, setValue] = useState<string | null>(() => readStored(key) ?? initial);
  const update = useCallback((next: string | null) => {
    writeStored(key, next);
    setValue(next);
  }, [key]);
  return [value, update];
}
