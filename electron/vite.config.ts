import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** Path prefixes the sidecar answers; the dev server forwards them so the UI stays same-origin. */
const SIDECAR_PATHS = [
  '/health', '/upload', '/parse-manual-numbers', '/validate-number', '/imports', '/regions',
  '/lists', '/campaigns', '/templates', '/settings', '/events', '/openapi.json',
  '/channels', '/compose', '/do-not-contact',
];
const SIDECAR_URL = process.env.BULKMSG_SIDECAR_URL ?? 'http://127.0.0.1:5034';

/** Vite's dev server injects inline scripts/styles (HMR, React refresh); production keeps the strict CSP. */
function relaxCspForDevServer(): Plugin {
  return {
    name: 'bulkmsg-relax-csp-in-dev',
    apply: 'serve',
    transformIndexHtml(html) {
      return html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws://127.0.0.1:5173");
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [react(), relaxCspForDevServer()],
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
