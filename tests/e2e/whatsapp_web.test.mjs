/** WhatsApp (linked device) through the real UI, sidecar and engine, with the fake WhatsApp behind the engine:
 * linking by QR code (which rotates) and by pairing code, the state in words, a campaign whose acks show live
 * as delivered and read, and unlinking. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { useApp } from './support/setup.mjs';
import { LONG, openApp, pickFile, waitForResults, startCampaign, openCompose } from './support/ui.mjs';

const NUMBERS = ['+4915112345001', '+4915112345002', '+4915112345003'];
const app = useApp({ whatsAppFake: true });

/** POST JSON straight to the sidecar. */
async function post(path, body) {
  const response = await fetch(`${app.sidecar.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body) });
  assert.ok(response.ok, await response.clone().text());
  return response.json();
}

/** Create a WhatsApp (linked device) channel on the Compose screen and pick it. */
async function newWhatsAppChannel(page, name) {
  await openCompose(page);
  await page.getByRole('button', { name: 'New channel…' }).click();
  await page.getByLabel('Channel type').selectOption('whatsapp_web');
  await page.getByLabel('Channel name').fill(name);
  await page.getByRole('button', { name: 'Save channel' }).click();
  await page.getByLabel('Channel', { exact: true }).locator('option', { hasText: name }).waitFor({ state: 'attached' });
  await page.getByLabel('Channel', { exact: true }).selectOption({ label: name });
  return page.getByLabel('WhatsApp link');
}

describe('WhatsApp (linked device)', () => {
  test('link by QR code, send a campaign with live acks, unlink', async () => {
    const { page } = app.browser;
    await app.whatsApp.control('accounts', { numbers: NUMBERS });
    await post('/lists', { name: 'WA friends', contacts: NUMBERS.map((number, i) => ({ number, name: `Friend ${i + 1}` })) });
    await openApp(page, app.sidecar.url);
    const panel = await newWhatsAppChannel(page, 'My phone');
    await panel.getByText('WhatsApp: Not linked').waitFor();
    await panel.getByRole('button', { name: 'Link WhatsApp' }).click();
    const qr = panel.getByRole('img', { name: 'QR code to link WhatsApp' });
    await qr.waitFor(LONG);
    const first = await qr.getAttribute('src');
    await page.waitForFunction((before) => {
      const img = document.querySelector('img.wa-qr');
      return img && img.getAttribute('src') !== before;
    }, first, LONG);  // the protocol rotated the code
    await app.whatsApp.control('link', { number: '+15550001111', push_name: 'Ann' });
    await panel.getByText('WhatsApp: Connected as +15550001111 (Ann)').waitFor(LONG);
    assert.equal(await panel.getByRole('img', { name: 'QR code to link WhatsApp' }).count(), 0);

    // The pacing starts from the ban-safety defaults; this test makes it quick.
    assert.equal(await page.getByLabel('Random delay from (s)').inputValue(), '20');
    await page.getByLabel('Campaign name').fill('Hello friends');
    await page.getByLabel('List', { exact: true }).selectOption({ label: 'WA friends (3)' });
    await page.getByLabel('Message', { exact: true }).fill('Hello {{name}}');
    await page.getByLabel('Messages per minute').fill('600');
    await page.getByLabel('Random delay from (s)').fill('0');
    await page.getByLabel('Random delay to (s)').fill('0');
    const pdf = path.join(await mkdtemp(path.join(os.tmpdir(), 'wa-e2e-')), 'offer.pdf');
    await writeFile(pdf, `%PDF-1.4\n${'x'.repeat(3000)}`);
    await page.getByLabel('Attachment', { exact: true }).setInputFiles(pdf);
    await page.getByTestId('attachment').filter({ hasText: 'offer.pdf · 3 KB · document' }).waitFor();
    await page.getByRole('button', { name: 'Create campaign' }).click();
    const detail = page.getByTestId('campaign-detail');
    await detail.getByRole('heading', { name: 'Hello friends' }).waitFor();
    await startCampaign(page);
    await detail.getByTestId('campaign-status').filter({ hasText: 'completed' }).waitFor(LONG);
    await detail.locator('[data-count=read]').filter({ hasText: /^3/ }).waitFor(LONG);
    assert.match(await detail.locator('[data-count=delivered]').innerText(), /^3 \(100%\)/);
    const sent = await app.whatsApp.sent();
    assert.deepEqual(sent.map((m) => m.number).sort(), NUMBERS);
    assert.deepEqual(sent.map((m) => m.text).sort(), ['Hello Friend 1', 'Hello Friend 2', 'Hello Friend 3']);
    assert.deepEqual(sent.map((m) => m.attachment?.file_name), ['offer.pdf', 'offer.pdf', 'offer.pdf']);

    await openCompose(page);
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'My phone' });
    await panel.getByRole('button', { name: 'Unlink' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await panel.getByText('WhatsApp: Not linked').waitFor(LONG);
  });

  test('link with a phone number: the pairing code is shown', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    const panel = await newWhatsAppChannel(page, 'Second phone');
    await panel.getByRole('button', { name: 'Link WhatsApp' }).click();
    await panel.getByText('WhatsApp: Waiting for scan').waitFor(LONG);
    await panel.getByLabel('Phone number to link').fill('+15550002222');
    await panel.getByRole('button', { name: 'Get a pairing code' }).click();
    const code = panel.getByLabel('Pairing code');
    await code.waitFor(LONG);
    const shown = (await code.locator('.wa-code').innerText()).replace('-', '');
    const state = await (await fetch(`${app.whatsApp.url}/control/state`)).json();
    assert.ok(state.pairing_codes.includes(shown), `${shown} not in ${state.pairing_codes}`);
  });

  test('an import\'s reach is checked on WhatsApp from the Results screen', async () => {
    const { page } = app.browser;
    const channel = await post('/channels', { name: 'Checker phone', type: 'whatsapp_web', config: {} });
    await post(`/channels/${channel.id}/whatsapp-web/link`, {});
    const waiting = async () => (await (await fetch(`${app.sidecar.url}/channels/${channel.id}/whatsapp-web`)).json()).status;
    while (await waiting() !== 'waiting_for_scan') await new Promise((r) => setTimeout(r, 200));
    await app.whatsApp.control('link', { number: '+15550003333', push_name: 'Checker' });
    while (await waiting() !== 'connected') await new Promise((r) => setTimeout(r, 200));
    const csv = path.join(await mkdtemp(path.join(os.tmpdir(), 'wa-e2e-')), 'reach.csv');
    await writeFile(csv, `name,phone\n${[...NUMBERS, '+4917000000000'].map((n, i) => `P${i},${n}`).join('\n')}\n`);
    await openApp(page, app.sidecar.url);
    await pickFile(page, csv);
    await waitForResults(page, 'reach.csv');
    const panel = page.getByLabel('Check on WhatsApp');
    await panel.getByLabel('WhatsApp channel to check with').selectOption({ label: 'Checker phone' });
    await panel.getByRole('button', { name: 'Check on WhatsApp' }).click();
    await panel.getByTestId('whatsapp-reach').filter({ hasText: '3 of 4 are on WhatsApp, 1 are not' }).waitFor(LONG);
  });
});
