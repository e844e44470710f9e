import { useEffect, useMemo, useState } from 'react';
import { getRegions } from '../api/client';
import type { Region } from '../api/types';
import { DEFAULT_REGION } from '../../generated/constants';
import { useStoredState } from './useStoredState';

export const REGION_KEY = 'bulkmsg.defaultRegion';

export interface RegionOption extends Region {
  name: string;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** English name of an ISO region code, or the code itself when the browser does not know it. */
export function regionName(code: string): string {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

export interface RegionsState {
  options: RegionOption[];
  region: string;
  setRegion: (code: string) => void;
  error: string | null;
}

/**
 * The sidecar's region list (named, sorted) and the remembered default country. A new RELOAD (the sidecar came back
 * after being away) reads the list again, in case it could not be read before.
 */
export function useRegions(reload = 0): RegionsState {
  const [regions, setRegions] = useState<Region[]>([]);
  const [serverDefault, setServerDefault] = useState<string>(DEFAULT_REGION);
  const [error, setError] = useState<string | null>(null);
  const [stored, setStored] = useStoredState(REGION_KEY, null);
  useEffect(() => {
    getRegions()
      .then((body) => {
        setRegions(body.regions);
        setServerDefault(body.default_region);
        setError(null);
      })
      .catch((err: Error) => setError(err.message));
  }, [reload]);
  const options = useMemo(
    () => regions.map((r) => ({ ...r, name: regionName(r.code) })).sort((a, b) => a.name.localeCompare(b.name)),
    [regions],
  );
  return { options, region: stored ?? serverDefault, setRegion: (code) => setStored(code), error };
}
