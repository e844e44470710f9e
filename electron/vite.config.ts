import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { metaPolicyText } from './src/electron/csp';
import { DEFAULT_PORT } from './src/generated/constants';

/** Path prefixes the sidecar answers; the dev server forwards them so the UI stays same-origin. */
const SIDECAR_PATHS = [
  '/health', '/upload', '/parse-manual-numbers', '/validate-number', '/imports', '/regions',
  '/lists', '/campaigns', '/templates', '/settings', '/events', '/openapi.json',
  '/channels', '/compose', '/do-not-contact', '/access', '/attachments', '/drafts', '/inbox', '/consent',
  '/webhooks',
];
const SIDECAR_URL = process.env.BULKMSG_SIDECAR_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`;

const DEV_SERVER_ORIGIN = 'http://127.0.0.1:5173';

/**
 * The page's CSP meta tag, from the one policy (python-backend/sidecar/csp.json via src/electron/csp.ts);
 * Vite's dev server injects inline scripts/styles (HMR, React refresh), so it gets the relaxed variant.
 */
function cspMetaTag(): Plugin {
  return {
    name: 'bulkmsg-csp-meta',
    transformIndexHtml(html, context) {
      const policy = metaPolicyText(context.server ? DEV_SERVER_ORIGIN : undefined);
      return html.replace('__BULKMSG_CSP__', policy);
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [react(), cspMetaTag()],
  build: {
    outDir: 'dist/renderer',
    emptyOutDir: true,
    // The renderer is loaded from the local sidecar, so a single bundle is fine and simpler to serve.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(SIDECAR_PATHS.map((path) => [path, { target: SIDECAR_URL, changeOrigin: false }])),
  },
});
