/**
 * The UI inside Electron, as far as a browser can show it: the Electron binary cannot run here, so the
 * page gets a `window.bulkmsg` bridge with the exact DesktopApi shape (electron/src/ui/desktopApi.ts),
 * backed by the real sidecar and real files, and we check the UI uses it instead of browser fallbacks.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { allRows } from './support/api.mjs';
import { useApp } from './support/setup.mjs';
import { assertCleanPage, chooseCountry, waitForResults } from './support/ui.mjs';

const app = useApp({
  inputs: true,
  prepare: async ({ browser, inputs }) => {
    await browser.page.exposeFunction('__readInputFile', async (name) =>
      (await readFile(path.join(inputs, path.basename(name)))).toString('base64'));
    await browser.context.addInitScript(installBridge);
  },
});

/** Runs in the page before the app: the preload's API, recording what the UI asks of it. */
function installBridge() {
  const listeners = new Set();
  window.__bridge = { opened: [], saved: [], status: { state: 'starting' }, next: 'contacts.csv' };
  window.__pushStatus = (status) => {
    window.__bridge.status = status;
    listeners.forEach((listener) => listener(status));
  };
  window.bulkmsg = {
    async openFile(options) {
      window.__bridge.opened.push(options);
      const b64 = await window.__readInputFile(window.__bridge.next);
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      return { name: window.__bridge.next, data: bytes.buffer };
    },
    async saveFile(options) {
      const text = await (await fetch(options.url)).text();
      window.__bridge.saved.push({ ...options, text });
      return { saved: true, path: `/home/user/${options.suggestedName}` };
    },
    sidecarStatus: async () => window.__bridge.status,
    onSidecarStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

test('with the desktop bridge: sidecar status banner, native open dialog and native save dialog', async () => {
  const { page } = app.browser;
  await page.goto(`${app.sidecar.url}/`);
  await page.getByText('Starting the local number service…').waitFor();
  await page.evaluate(() => window.__pushStatus({ state: 'ready' }));
  await page.getByText('Starting the local number service…').waitFor({ state: 'detached' });
  await page.evaluate(() => window.__pushStatus({ state: 'failed', message: 'Port 5034 is used by another program.' }));
  assert.match(await page.getByRole('alert').innerText(), /not available\. Port 5034 is used by another program\./);
  await page.evaluate(() => window.__pushStatus({ state: 'ready' }));
  await page.getByRole('alert').waitFor({ state: 'detached' });

  await page.waitForFunction(() => /\(\+\d+\)$/.test(document.querySelector('[role=combobox]')?.value ?? ''));
  await chooseCountry(page, 'Default country', 'India');
  await page.getByRole('button', { name: 'Choose file…' }).click();
  await waitForResults(page, 'contacts.csv');
  const opened = await page.evaluate(() => window.__bridge.opened);
  assert.equal(opened.length, 1);
  assert.ok(opened[0].filters[0].extensions.includes('xlsx'), 'the dialog offers the supported types');

  assert.equal(await page.getByRole('link', { name: 'Contacts CSV' }).count(), 0, 'no browser download links');
  await page.getByRole('button', { name: 'Contacts vCard' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved /home/user/contacts-contacts.vcf' }).waitFor();
  const [saved] = await page.evaluate(() => window.__bridge.saved);
  assert.equal(saved.suggestedName, 'contacts-contacts.vcf');
  const importId = /\/imports\/([^/]+)\/export\?what=contacts&format=vcf$/.exec(saved.url)[1];
  const valid = await allRows(app.sidecar.url, importId, 'valid');
  assert.equal(saved.text.match(/BEGIN:VCARD/g).length, valid.length, 'the saved file is the export of this import');
  await assertCleanPage(app.browser);
});
