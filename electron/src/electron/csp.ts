/**
 * The one Content-Security-Policy, read from python-backend/sidecar/csp.json (bundled by esbuild and Vite),
 * which the sidecar also sends with the UI. Electron sends it as a header; the built index.html carries it
 * as a meta tag too, minus frame-ancestors, which browsers honour only in a header.
 */
import policy from '../../../python-backend/sidecar/csp.json';

const HEADER_ONLY = ['frame-ancestors'];

/** The production policy's directives, e.g. "script-src 'self'". */
export const PRODUCTION_DIRECTIVES: readonly string[] = policy.directives;

/**
 * The policy, for production or, given the Vite dev server's origin, with only what that server needs
 * added: inline scripts and styles (React refresh, HMR) and its websocket.
 */
export function policyText(devServerOrigin?: string): string {
  if (!devServerOrigin) return PRODUCTION_DIRECTIVES.join('; ');
  const ws = devServerOrigin.replace(/^http/, 'ws');
  return PRODUCTION_DIRECTIVES.map((rule) => {
    if (rule.startsWith('script-src ') || rule.startsWith('style-src ')) return `${rule} 'unsafe-inline'`;
    if (rule.startsWith('connect-src ')) return `${rule} ${ws}`;
    return rule;
  }).join('; ');
}

/** The policy as a <meta> tag can carry it (header-only directives left out). */
export function metaPolicyText(devServerOrigin?: string): string {
  return policyText(devServerOrigin).split('; ').filter((rule) => !HEADER_ONLY.some((d) => rule.startsWith(`${d} `))).join('; ');
}
