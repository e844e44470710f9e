/**
 * The set-up every browser test file shares: test inputs (when asked), the real sidecar and Chromium, started
 * before the file's tests and taken down after them. Call at the top level of a test file.
 */
import { rm } from 'node:fs/promises';
import { after, before } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { makeInputs } from './inputs.mjs';
import { startSidecar } from './sidecar.mjs';
import { startFakeWhatsApp } from './whatsapp.mjs';

/**
 * Register the file's before/after hooks; returns { sidecar, browser, inputs }, filled in once `before` ran.
 * inputs: write the input files (bigRows adds big.csv); browser or sidecar: false for files that start their own;
 * whatsAppFake: also start the fake WhatsApp (tests/python/fakes/wa_web.py) and point the sidecar's engines at it;
 * prepare(app): the file's own set-up once these are up (node:test runs a file's `before` hooks concurrently, so a
 * second `before` could not count on them).
 */
export function useApp({ inputs = false, bigRows = 0, browser = true, sidecar = true, colorScheme = 'light', prepare,
  whatsAppFake = false } = {}) {
  const app = { sidecar: null, browser: null, inputs: null, whatsApp: null };
  before(async () => {
    if (inputs || bigRows) app.inputs = makeInputs({ bigRows });
    if (whatsAppFake) app.whatsApp = await startFakeWhatsApp();
    const env = app.whatsApp ? { BULKMSG_WA_FAKE_SERVER: app.whatsApp.url } : {};
    if (sidecar) app.sidecar = await startSidecar({ env });
    if (browser) app.browser = await launchBrowser({ colorScheme });
    await prepare?.(app);
  });
  after(async () => {
    await app.browser?.close();
    await app.sidecar?.stop();
    await app.whatsApp?.stop();
    if (app.inputs) await rm(app.inputs, { recursive: true, force: true });
  });
  return app;
}
