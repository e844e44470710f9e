/** What the error screen shows. */
export interface ErrorScreen {
  title: string;
  message: string;
  logLines?: string[];
  hint?: string;
}

/** Escape text for HTML element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE_STYLE = `
  body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.3rem; color: #b3261e; margin: 0 0 .5rem; }
  p { max-width: 60rem; }
  pre { background: #1e1e1e; color: #e6e6e6; padding: 1rem; border-radius: 6px; overflow: auto;
        max-height: 60vh; font: 12px/1.4 ui-monospace, monospace; white-space: pre-wrap; }
  @media (prefers-color-scheme: dark) { body { background: #1b1b1d; color: #e8e8ea; } h1 { color: #ff8a80; } }`;

/** A self-contained page (no scripts, no outside resources) for a failure, with the sidecar's last log lines. */
export function errorPageHtml(screen: ErrorScreen): string {
  const lines = screen.logLines ?? [];
  const log = lines.length
    ? `<h2>Last ${lines.length} lines from the sidecar</h2><pre>${escapeHtml(lines.join('\n'))}</pre>`
    : '';
  const hint = screen.hint ? `<p>${escapeHtml(screen.hint)}</p>` : '';
  return page(screen.title, `<h1>${escapeHtml(screen.title)}</h1><p>${escapeHtml(screen.message)}</p>${hint}${log}`);
}

/** The page shown while the sidecar starts. */
export function loadingPageHtml(): string {
  return page('Starting…', '<p>Starting Bulk Messaging…</p>');
}

/** A data: URL for a page built here, so it loads without any server. */
export function toDataUrl(html: string): string {
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

/** Wrap a body in a document whose own CSP forbids scripts and outside loads. */
function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body>${body}</body></html>`;
}
