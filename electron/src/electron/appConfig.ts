import { DEFAULT_PORT } from '../generated/constants';

/** The sidecar's port unless BULKMSG_PORT says otherwise (development only); defined once, in Python. */
export const DEFAULT_SIDECAR_PORT = DEFAULT_PORT;
/** Where `npm run dev:renderer` serves the UI. */
export const DEFAULT_DEV_SERVER_URL = 'http://127.0.0.1:5173/';

/** Where the window loads the UI from and which origin its IPC and navigation are limited to. */
export interface AppUrls {
  port: number;
  sidecarBase: string;
  appUrl: string;
  appOrigin: string;
  /** Set in development: the Vite dev server's origin (needs a relaxed CSP). */
  devServerOrigin?: string;
}

/**
 * Packaged: the sidecar serves the built UI, so the page and the API share one origin.
 * Development: the Vite dev server serves the UI and proxies the API paths to the sidecar.
 */
export function resolveAppUrls(isPackaged: boolean, env: NodeJS.ProcessEnv): AppUrls {
  const port = isPackaged ? DEFAULT_SIDECAR_PORT : Number(env.BULKMSG_PORT || DEFAULT_SIDECAR_PORT);
  const sidecarBase = `http://127.0.0.1:${port}`;
  if (isPackaged) return { port, sidecarBase, appUrl: `${sidecarBase}/`, appOrigin: sidecarBase };
  const devUrl = new URL(env.BULKMSG_DEV_SERVER_URL || DEFAULT_DEV_SERVER_URL);
  return { port, sidecarBase, appUrl: devUrl.href, appOrigin: devUrl.origin, devServerOrigin: devUrl.origin };
}
