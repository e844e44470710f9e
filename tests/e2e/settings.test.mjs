/**
 * Settings (issue 15), through the real UI and a sidecar this file starts itself (no system keychain, a known
 * port, so it can be killed and started again): channels created, tested, edited and archived; the country
 * combobox; remote access and the token; the theme; the page noticing the sidecar gone and coming back.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { SCREENSHOT_DIR } from './support/paths.mjs';
import { useApp } from './support/setup.mjs';
import { startSidecar } from './support/sidecar.mjs';
import { closedPort, startSmtpServer } from './support/smtp.mjs';
import { assertCleanPage, chooseCountry, goTo, openApp } from './support/ui.mjs';

const app = useApp({ sidecar: false, prepare: async (started) => {
  started.home = await mkdtemp(path.join(os.tmpdir(), 'bulkmsg-e2e-settings-'));
  // No Secret Service: the session bus points at a socket that does not exist; the key goes to our config folder.
  started.env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(started.home, 'no-such-bus')}`,
    PYTHON_KEYRING_BACKEND: '', BULKMSG_CONFIG_DIR: path.join(started.home, 'config') };
  started.port = await closedPort();
  started.dataDir = path.join(started.home, 'data');
  started.sidecar = await startSidecar({ dataDir: started.dataDir, env: started.env, port: started.port });
  started.smtp = await startSmtpServer();
} });
after(async () => {
  await app.sidecar?.stop();
  await app.smtp?.stop();
  if (app.home) await rm(app.home, { recursive: true, force: true });
});

/** A JSON request to the sidecar; the decoded answer (asserting a 2xx unless RAW). */
async function call(method, pathName, body, headers = {}) {
  const response = await fetch(`${app.sidecar.url}${pathName}`, { method,
    headers: { 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const accepting = new WeakSet();

/** Say OK to the page's confirm() questions from now on (registered once per page). */
function acceptDialogs(page) {
  if (accepting.has(page)) return;
  accepting.add(page);
  page.on('dialog', (d) => void d.accept());
}

/** The Settings → Channels row of the channel called NAME. */
function channelRow(page, name) {
  return page.getByTestId('settings-channels').locator('tbody tr').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

/** Fill the channel dialog's fields (label -> value; selects by value). */
async function fillChannel(page, fields) {
  const dialog = page.getByRole('dialog');
  for (const [label, value] of Object.entries(fields)) {
    const field = dialog.getByLabel(label, { exact: true });
    if (await field.evaluate((el) => el.tagName === 'SELECT')) await field.selectOption(value);
    else await field.fill(value);
  }
  await dialog.getByRole('button', { name: 'Save channel' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

describe('settings', () => {
  test('with no keychain a channel with a password is created, tested, edited and archived', async () => {
    const { page } = app.browser;
    acceptDialogs(page);
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Settings');
    await page.getByTestId('secrets-store').filter({ hasText: 'an encrypted file in the data folder' }).waitFor();
    const channels = page.getByTestId('settings-channels');
    await channels.getByRole('button', { name: 'New channel…' }).click();
    await fillChannel(page, { 'Channel type': 'smtp', 'Channel name': 'Office', 'SMTP host': '127.0.0.1',
      Port: String(app.smtp.port), Security: 'none', Login: app.smtp.username, Password: app.smtp.password,
      'From address': 'team@example.org' });
    const office = channelRow(page, 'Office');
    await office.waitFor();
    const store = (await call('GET', '/settings/secrets')).body;
    assert.equal(store.store, 'file');
    assert.equal(store.file.file_exists, true, 'the password went to the encrypted file');

    await office.getByRole('button', { name: 'Test connection' }).click();
    await office.getByTestId('channel-test-result').filter({ hasText: 'Connected' }).waitFor();
    await office.getByRole('button', { name: 'Edit' }).click();
    assert.equal(await page.getByRole('dialog').getByLabel('Password', { exact: true }).getAttribute('placeholder'), 'saved — leave blank to keep');
    await fillChannel(page, { Password: 'wrong-pw' });
    await office.getByRole('button', { name: 'Test connection' }).click();
    await office.getByTestId('channel-test-result').filter({ hasText: 'Failed: The SMTP server refused the login (535)' }).waitFor();
    await office.getByRole('button', { name: 'Edit' }).click();
    await fillChannel(page, { 'Channel name': 'Office mail', Password: app.smtp.password });
    const renamed = channelRow(page, 'Office mail');
    await renamed.getByRole('button', { name: 'Test connection' }).click();
    await renamed.getByTestId('channel-test-result').filter({ hasText: 'Connected' }).waitFor();
    assert.equal(app.smtp.messages.length, 0, 'a connection test sends nothing');

    const nowhere = (await call('POST', '/channels', { name: 'Nowhere', type: 'smtp',
      config: { host: '127.0.0.1', port: await closedPort(), security: 'none', from_address: 'team@example.org', timeout: 5 } })).body;
    await goTo(page, 'Inbox');
    await goTo(page, 'Settings');
    const closed = channelRow(page, 'Nowhere');
    await closed.getByRole('button', { name: 'Test connection' }).click();
    await closed.getByTestId('channel-test-result').filter({ hasText: 'Failed:' }).waitFor();
    assert.match(await closed.getByTestId('channel-test-result').innerText(), /refused|connect/i);

    const list = (await call('POST', '/lists', { name: 'Team', contacts: [{ name: 'Asha', email: 'asha@example.org' }] })).body.list;
    const officeId = (await call('GET', '/channels')).body.channels.find((c) => c.name === 'Office mail').id;
    assert.equal((await call('POST', '/campaigns', { name: 'Used', list_id: list.id, channel_id: officeId,
      subject: 'Hi', body: 'Hello {{name}}' })).status, 201);
    assert.equal((await call('POST', '/channels', { name: 'Rehearsal', type: 'dry_run', config: {} })).status, 201);
    await renamed.getByRole('button', { name: 'Archive or delete' }).click();
    await page.getByTestId('channels-notice').filter({ hasText: '“Office mail” archived' }).waitFor();
    await closed.getByRole('button', { name: 'Archive or delete' }).click();
    await page.getByTestId('channels-notice').filter({ hasText: '“Nowhere” deleted' }).waitFor();
    const all = (await call('GET', '/channels?archived=1')).body.channels;
    assert.equal(all.find((c) => c.id === officeId).archived, true);
    assert.equal(all.some((c) => c.id === nowhere.id), false);
    assert.equal(await renamed.count(), 0, 'an archived channel leaves the list');
    // Every type has the test: a dry run (the list re-read after the removals shows it) says it is ready.
    const rehearsal = channelRow(page, 'Rehearsal');
    await rehearsal.getByRole('button', { name: 'Test connection' }).click();
    await rehearsal.getByTestId('channel-test-result').filter({ hasText: 'Ready' }).waitFor();
    await channels.getByLabel('Show archived').check();
    await renamed.filter({ hasText: '(archived)' }).waitFor();
    assert.equal(await renamed.getByRole('button').count(), 0, 'an archived channel is only listed');
    await assertCleanPage(app.browser);
  });

  test('the default country keeps its value on Tab and on Enter without a search', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Settings');
    const box = page.getByRole('combobox', { name: 'Default country' });
    await chooseCountry(page, 'Default country', 'India');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).click();
    assert.equal(await box.inputValue(), 'India (+91)');
    const heading = page.getByRole('heading', { name: 'Settings', level: 1 });
    await box.focus(); // opens the list on the chosen country, not on the first one (Afghanistan)
    await page.getByRole('option').first().waitFor();
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    assert.match(await page.locator(`#${await box.getAttribute('aria-activedescendant')}`).innerText(), /India/);
    await box.press('Enter');
    assert.equal(await box.inputValue(), 'India (+91)', 'Enter with nothing typed keeps the country');
    await heading.click();
    await box.focus();
    await box.press('ArrowDown');
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    await box.press('Tab');
    assert.equal(await box.inputValue(), 'India (+91)', 'Tab with the list open keeps the country');
    await heading.click();
    await box.focus();
    await box.fill('fra');
    await box.press('Tab');
    assert.equal(await box.inputValue(), 'India (+91)', 'Tab after typing does not pick a match');
    await goTo(page, 'Import'); // one default country for the whole app
    assert.equal(await page.getByRole('combobox', { name: 'Default country' }).inputValue(), 'India (+91)');
    await assertCleanPage(app.browser);
  });

  test('remote access, the token (show, copy, rotate) and the theme', async () => {
    const { page, context } = app.browser;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.sidecar.url });
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Settings');
    const remote = page.getByTestId('settings-remote');
    const before = (await call('GET', '/settings/access')).body;
    assert.equal(before.remote_access, false);
    await remote.getByRole('switch').click(); // the box follows the sidecar's answer, not the click
    await remote.getByRole('status').filter({ hasText: 'Other machines may connect' }).waitFor();
    assert.equal((await call('GET', '/settings/access')).body.remote_access, true);

    assert.doesNotMatch(await remote.getByTestId('access-token').innerText(), new RegExp(before.token));
    await remote.getByRole('button', { name: 'Show' }).click();
    assert.equal(await remote.getByTestId('access-token').innerText(), before.token);
    await remote.getByRole('button', { name: 'Copy' }).click();
    await remote.getByRole('status').filter({ hasText: 'Token copied.' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), before.token);

    acceptDialogs(page);
    await remote.getByRole('button', { name: 'Rotate…' }).click();
    await remote.getByRole('status').filter({ hasText: 'the old one no longer works' }).waitFor();
    const rotated = (await call('GET', '/settings/access')).body.token;
    assert.notEqual(rotated, before.token);
    assert.equal(await remote.getByTestId('access-token').innerText(), rotated);
    assert.equal((await call('POST', '/access/session', undefined, { Authorization: `Bearer ${before.token}` })).status, 401);
    assert.equal((await call('POST', '/access/session', undefined, { Authorization: `Bearer ${rotated}` })).status, 204);
    await remote.getByRole('switch').click();
    await remote.getByRole('status').filter({ hasText: 'Only this machine' }).waitFor();

    await page.getByTestId('settings-general').getByLabel('Theme').selectOption('dark');
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-theme')), 'dark');
    await page.getByTestId('settings-general').getByLabel('Theme').selectOption('light');
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-theme')), 'light');
    await assertCleanPage(app.browser);
  });

  test('the page notices the sidecar gone within 5 s, is disabled meanwhile and recovers by itself', async () => {
    const { page } = app.browser;
    await call('POST', '/lists', { name: 'Kept list', contacts: [{ name: 'Ben', number: '+14155550102' }] });
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Saved lists');
    const row = page.getByTestId('saved-lists').getByRole('button', { name: 'Kept list' });
    await row.waitFor();
    await app.sidecar.kill();
    const gone = Date.now();
    const banner = page.locator('.sidecar-banner');
    await banner.waitFor({ timeout: 5_000 });
    assert.ok(Date.now() - gone <= 5_000, `the banner came after ${Date.now() - gone} ms`);
    assert.match(await banner.innerText(), /not available/);
    const main = page.locator('#main');
    assert.equal(await main.getAttribute('inert'), '', 'the screen cannot be used meanwhile');
    assert.equal(await main.getAttribute('aria-disabled'), 'true');
    assert.ok(await row.isVisible(), 'the screen is kept');
    assert.equal(await row.evaluate((el) => { el.focus(); return document.activeElement === el; }), false,
      'its controls cannot be reached');

    // Screens opened meanwhile cannot load, and do not claim there is nothing.
    for (const [screen, pathName, empty] of [['Campaigns', '/campaigns', 'No campaigns yet'],
      ['Saved lists', '/lists', 'No saved lists yet.']]) {
      const failed = page.waitForEvent('requestfailed', (r) => new URL(r.url()).pathname === pathName);
      await goTo(page, screen);
      await failed;
      await page.getByRole('heading', { name: screen, level: 1 }).waitFor();
      await page.waitForTimeout(300); // the failed load reaches the screen
      assert.equal(await page.getByText(empty).count(), 0, `${screen} does not claim emptiness`);
    }
    assert.equal(await banner.count(), 1);

    app.sidecar = await startSidecar({ dataDir: app.dataDir, env: app.env, port: app.port });
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await main.getAttribute('inert'), null);
    assert.equal(await main.getAttribute('aria-disabled'), null);
    await row.waitFor(); // loaded again without the user doing anything
    await page.getByTestId('saved-lists').getByRole('button', { name: 'Team' }).waitFor();
    assert.equal(await page.getByText('No saved lists yet.').count(), 0);
    assert.equal(await row.evaluate((el) => { el.focus(); return document.activeElement === el; }), true);
  });

  test('screenshots of Settings, light and dark', async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    for (const theme of ['light', 'dark']) {
      const browser = await launchBrowser({ colorScheme: theme });
      try {
        const { page } = browser;
        await page.setViewportSize({ width: 1280, height: 1200 });
        await openApp(page, app.sidecar.url);
        await goTo(page, 'Settings');
        await page.getByTestId('secrets-store').waitFor();
        await page.getByTestId('settings-remote').getByRole('switch').waitFor();
        const file = path.join(SCREENSHOT_DIR, `settings-${theme}.png`);
        await page.screenshot({ path: file });
        assert.ok((await stat(file)).size > 10_000);
      } finally {
        await browser.close();
      }
    }
  });
});
