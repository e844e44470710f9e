/** Debian's Chromium driven by playwright-core, with a fresh profile and CSP-violation capture. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from './deps.mjs';
import { CHROMIUM } from './paths.mjs';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** Record every CSP violation on the page (the event fires for blocked scripts, styles, connections). */
function recordCspViolations() {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
  });
}

/** A browser session: { context, page, cspViolations(), close() }. */
export async function launchBrowser({ colorScheme = 'light', viewport = { width: 1280, height: 820 } } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set BULKMSG_CHROMIUM)`);
  const profile = await mkdtemp(path.join(os.tmpdir(), 'bulkmsg-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    acceptDownloads: true,
    viewport,
    colorScheme,
  });
  await context.addInitScript(recordCspViolations);
  const consoleCsp = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (msg) => {
    // Chromium also reports violations on the console (frame-ancestors comes as a sidecar header, not the meta tag).
    const text = msg.text();
    if (msg.type() === 'error' && /Content Security Policy/i.test(text)) {
      consoleCsp.push(text);
    }
  });
  page.on('pageerror', (err) => consoleCsp.push(`page error: ${err.message}`));
  const cspViolations = async () => [...consoleCsp, ...(await page.evaluate(() => window.__cspViolations ?? []))];
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { context, page, cspViolations, close };
}
