/**
 * Team mode (issue 19) through the real UI: a sidecar forced into team mode on SQLite, users made with
 * `app.py users add`. Login (a wrong password refused), an admin adding a user, a viewer who finds no Start
 * button and whose own session is refused by the API too, and the audit log naming who did what.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PYTHON, REPO } from './support/paths.mjs';
import { useApp } from './support/setup.mjs';
import { startSidecar } from './support/sidecar.mjs';
import { assertCleanPage, goTo, seriousViolations } from './support/ui.mjs';

const PASSWORD = 'correct horse battery';
const APP_PY = path.join(REPO, 'python-backend', 'app.py');

/** `app.py users add NAME --role ROLE` on DATA_DIR, the password on standard input. */
function addUser(dataDir, name, role) {
  const done = spawnSync(PYTHON, [APP_PY, 'users', '--data-dir', dataDir, 'add', name, '--role', role],
    { input: `${PASSWORD}\n`, encoding: 'utf8', env: { ...process.env, BULKMSG_NEW_PASSWORD: '' } });
  assert.equal(done.status, 0, done.stderr ?? String(done.error));
}

const app = useApp({ sidecar: false, prepare: async (started) => {
  started.home = await mkdtemp(path.join(os.tmpdir(), 'bulkmsg-e2e-team-'));
  started.dataDir = path.join(started.home, 'data');
  addUser(started.dataDir, 'ada', 'admin');
  addUser(started.dataDir, 'sam', 'sender');
  started.sidecar = await startSidecar({ dataDir: started.dataDir, env: { BULKMSG_TEAM_MODE: '1', BULKMSG_SECRET_KEY: randomBytes(32).toString('base64') } });
} });
after(async () => {
  await app.sidecar?.stop();
  if (app.home) await rm(app.home, { recursive: true, force: true });
});

/** A logged-in API client for NAME outside the browser: cookie and CSRF header, as the UI sends them. */
async function apiAs(name) {
  const login = await fetch(`${app.sidecar.url}/session/login`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password: PASSWORD }) });
  assert.equal(login.status, 200);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await login.json();
  return async (method, pathName, body) => {
    const response = await fetch(`${app.sidecar.url}${pathName}`, { method, body: body && JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf } });
    return { status: response.status, body: await response.json() };
  };
}

/** Log in on the page's login screen. */
async function logIn(page, name, password = PASSWORD) {
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Log out through the header. */
async function logOut(page) {
  await page.getByTestId('user-badge').getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
}

describe('team mode', () => {
  let campaignId;

  test('the app asks who you are; a wrong password is refused; an admin sees Users and Audit log', async () => {
    const { page } = app.browser;
    await page.goto(`${app.sidecar.url}/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'the login screen');
    await logIn(page, 'ada', 'not the password');
    assert.match(await page.getByRole('alert').innerText(), /Wrong user name or password/);
    await logIn(page, 'ada');
    await page.getByTestId('user-badge').filter({ hasText: 'ada (admin)' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ['Users', 'Audit log', 'Campaigns']) await nav.getByRole('button', { name: label }).waitFor();
    await page.reload(); // the session outlives a reload: the cookie, not the page, holds it
    await page.getByTestId('user-badge').filter({ hasText: 'ada (admin)' }).waitFor();
    await assertCleanPage(app.browser);
  });

  test('an admin adds a viewer on the Users screen', async () => {
    const { page } = app.browser;
    await goTo(page, 'Users');
    const form = page.getByTestId('add-user');
    await form.getByLabel('Name').fill('vic');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByLabel(/First password/).fill(PASSWORD);
    await form.getByRole('button', { name: 'Add user' }).click();
    const row = page.getByTestId('users-table').locator('tr[data-user="vic"]');
    await row.waitFor();
    assert.equal(await row.getByRole('combobox', { name: 'Role of vic' }).inputValue(), 'viewer');
    assert.deepEqual(await seriousViolations(page), [], 'the Users screen');
    const sender = await apiAs('sam');
    const channel = await (await apiAs('ada'))('POST', '/channels', { name: 'Dry run', type: 'dry_run', config: {} });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    const list = await sender('POST', '/lists', { name: 'Team list', contacts: [{ number: '+14155552671', name: 'Al' },
      { number: '+14155552672', name: 'Bo' }] });
    assert.equal(list.status, 201);
    const campaign = await sender('POST', '/campaigns', { name: 'Team hello', list_id: list.body.list.id,
      channel_id: channel.body.id, body: 'Hi {{name}}', pacing: { per_minute: 1 } });  // the second message waits a minute: still running when cancelled
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    campaignId = campaign.body.id;
    await logOut(page);
  });

  test('a viewer finds no Start button, and the API refuses the viewer too', async () => {
    const { page } = app.browser;
    await logIn(page, 'vic');
    await page.getByTestId('user-badge').filter({ hasText: 'vic (viewer)' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ['Users', 'Audit log', 'Compose', 'Import', 'Settings']) {
      assert.equal(await nav.getByRole('button', { name: label, exact: true }).count(), 0, label);
    }
    await goTo(page, 'Campaigns');
    await page.getByRole('list', { name: 'Campaigns' }).locator(`button[data-campaign-id="${campaignId}"]`).click();
    const detail = page.getByTestId('campaign-detail');
    await detail.getByTestId('read-only-note').waitFor();
    assert.equal(await detail.getByRole('button', { name: 'Start…' }).count(), 0);
    // The page's own session, asking anyway: refused with 403 forbidden, and the campaign is still a draft.
    const answer = await page.evaluate(async (id) => {
      const session = await (await fetch('/session')).json();
      const r = await fetch(`/campaigns/${id}/start`, { method: 'POST', headers: { 'X-CSRF-Token': session.csrf_token } });
      return { status: r.status, code: (await r.json()).code };
    }, campaignId);
    assert.deepEqual(answer, { status: 403, code: 'forbidden' });
    const still = await page.evaluate(async (id) => (await (await fetch(`/campaigns/${id}`)).json()).status, campaignId);
    assert.equal(still, 'draft');
    await logOut(page);
  });

  test('the audit log shows who did what', async () => {
    const sender = await apiAs('sam');
    const started = await sender('POST', `/campaigns/${campaignId}/start`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const cancelled = await sender('POST', `/campaigns/${campaignId}/cancel`);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const { page } = app.browser;
    await logIn(page, 'ada');
    await goTo(page, 'Audit log');
    const table = page.getByTestId('audit-table');
    const row = (action, who) => table.locator(`tr[data-action="${action}"]`).filter({ hasText: who }).first();
    await row('campaign.started', 'sam').waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'the Audit log screen');
    for (const [action, who, on] of [['campaign.started', 'sam', `campaign ${campaignId}`],
      ['campaign.cancelled', 'sam', `campaign ${campaignId}`], ['campaign.created', 'sam', `campaign ${campaignId}`],
      ['user.added', 'ada', 'user'], ['channel.created', 'ada', 'channel'], ['login.failed', '-', 'as ada']]) {
      assert.match(await row(action, who).innerText(), new RegExp(on), action);
    }
    await assertCleanPage(app.browser);
  });
});
