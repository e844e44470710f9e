import type { ImportInfo, RemapRequest } from './api/types';
import type { ImportSource } from './screens/Import/useImporter';

/** The import the user is working on: what the sidecar answered, where it came from, and their choices. */
export interface ImportSession {
  info: ImportInfo;
  source: ImportSource;
  /** Explicit column/sheet/region choices, re-sent on every remap so a region change keeps them. */
  choices: RemapRequest;
}
