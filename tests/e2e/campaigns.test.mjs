/** Saved lists, compose with preview, a campaign's live progress and its report, through the real UI and sidecar. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseCsv } from './support/files.mjs';
import { useApp } from './support/setup.mjs';
import { LONG, assertCleanPage, chooseCountry, goTo, openApp, pickFile, waitForResults, startCampaign, openCompose } from './support/ui.mjs';

const PASTED = ['+1 415 555 2671', '+1 415 555 2672', '+1 415 555 2673', '+1 415 555 2674', '+1 415 555 2675'];

const app = useApp();

/** GET a sidecar path as JSON (the expected values come from the API, not from constants). */
async function api(path) {
  return (await fetch(`${app.sidecar.url}${path}`)).json();
}

/** POST /compose/preview straight to the sidecar: what the UI should show. */
async function previewViaApi(body) {
  return (await fetch(`${app.sidecar.url}/compose/preview`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
}

/** The saved list called NAME, from the API. */
async function listNamed(name) {
  return (await api('/lists')).lists.find((l) => l.name === name);
}

/** Save the pasted numbers as a list named NAME on the Saved lists screen. */
async function savePastedList(page, name) {
  await goTo(page, 'Saved lists');
  await page.getByRole('heading', { name: 'Saved lists', level: 1 }).waitFor();
  await chooseCountry(page, 'Default country', 'United States');
  await page.getByLabel('List name', { exact: true }).fill(name);
  await page.getByLabel('Paste numbers').fill(PASTED.join('\n'));
  await page.getByRole('button', { name: 'Save pasted numbers as a list' }).click();
  await page.getByRole('status').filter({ hasText: `Saved “${name}”` }).waitFor();
}

/** Compose a dry-run campaign from LIST on the Compose screen and create it. */
async function composeCampaign(page, { list, campaign, channel, body, perMinute }) {
  await openCompose(page);
  await page.getByLabel('Campaign name').fill(campaign);
  await page.getByLabel('List', { exact: true }).selectOption({ label: `${list.name} (${list.count})` });
  if (channel) {
    await page.getByRole('button', { name: 'New channel…' }).click();
    await page.getByLabel('Channel type').selectOption('dry_run');
    await page.getByLabel('Channel name').fill(channel);
    await page.getByRole('button', { name: 'Save channel' }).click();
    await page.getByLabel('Channel', { exact: true }).locator('option', { hasText: channel }).waitFor({ state: 'attached' });
  }
  await page.getByLabel('Message', { exact: true }).fill(body);
  await page.getByLabel('Messages per minute').fill(String(perMinute));
}

describe('lists, compose and campaigns', () => {
  test('a pasted list is saved, browsed, edited and renamed; bad contacts are refused with the reason', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await savePastedList(page, 'Pasted customers');
    const saved = await listNamed('Pasted customers');
    assert.equal(saved.count, PASTED.length);
    const row = page.getByTestId('saved-lists').locator(`tr[data-list-id="${saved.id}"]`);
    assert.equal(await row.locator('td.num').first().innerText(), String(saved.count));
    await row.getByRole('button', { name: 'Pasted customers' }).click();
    const contacts = page.getByTestId('list-contacts');
    await contacts.locator('tr[data-contact-id]').nth(PASTED.length - 1).waitFor();
    await contacts.getByLabel('New contact name').fill('Zed');
    await contacts.getByLabel('New contact number').fill('12');
    await contacts.getByRole('button', { name: 'Add contact' }).click();
    await contacts.getByRole('alert').waitFor();
    assert.match(await contacts.getByRole('alert').innerText(), /Could not save the contact/);
    await contacts.getByLabel('New contact number').fill('(415) 555-2699');
    await contacts.getByLabel('New contact email').fill('Zed@Example.COM');
    await contacts.getByRole('button', { name: 'Add contact' }).click();
    await contacts.getByPlaceholder('Search name, number or email').fill('zed');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=list-contacts] tr[data-contact-id]').length === 1);
    assert.match(await contacts.locator('tr[data-contact-id]').innerText(), /Zed@example\.com/);
    const zed = (await api(`/lists/${saved.id}/contacts?q=zed`)).contacts[0];
    assert.equal(zed.number, '+14155552699');
    await row.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('Customers');
    await page.getByRole('button', { name: 'Rename', exact: true }).last().click();
    await row.getByRole('button', { name: 'Customers', exact: true }).waitFor();
    assert.equal((await api(`/lists/${saved.id}`)).name, 'Customers');
    await assertCleanPage(app.browser);
  });

  test('the current import is saved as a list with its emails and columns', async () => {
    const { page } = app.browser;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bulkmsg-e2e-lists-'));
    const file = path.join(dir, 'team.csv');
    await writeFile(file, 'Name,Mobile,Email,City\nAsha,+91 98765 43210,asha@example.in,Pune\n'
      + 'Ravi,+91 98765 43211,,Delhi\nMeena,+91 98765 43212,,\nNobody,12,,\n');
    await openApp(page, app.sidecar.url);
    await pickFile(page, file);
    await waitForResults(page, 'team.csv');
    await goTo(page, 'Saved lists');
    await page.getByLabel('List name', { exact: true }).fill('Team');
    await page.getByRole('button', { name: 'Save current import as a list' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved “Team”' }).waitFor();
    const saved = await listNamed('Team');
    assert.equal(saved.count, 3);
    assert.equal(saved.with_email, 1);
    const contacts = page.getByTestId('list-contacts');
    await contacts.locator('tr[data-contact-id]').filter({ hasText: 'asha@example.in' }).waitFor();
    assert.match(await contacts.locator('tr[data-contact-id]').first().innerText(), /City: Pune/);
    await assertCleanPage(app.browser);
  });

  test('compose previews each recipient, warns about empty placeholders and unknown ones, counts SMS segments', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    const team = await listNamed('Team');
    const body = 'Hi {{name|friend}} in {{City}}';
    await composeCampaign(page, { list: team, campaign: 'Preview only', channel: 'Rehearsal', body, perMinute: 600 });
    const preview = page.getByTestId('compose-preview');
    await preview.getByTestId('preview-body').filter({ hasText: 'Hi Asha in Pune' }).waitFor();
    const expected = await previewViaApi({ list_id: team.id, body });
    assert.equal(expected.warnings.recipients_with_empty, 1, 'precondition: Meena has no City');
    assert.match(await preview.getByRole('status').innerText(), /1 recipients have empty placeholders/);
    await preview.getByLabel('Preview for').selectOption({ label: 'Ravi' });
    await preview.getByTestId('preview-body').filter({ hasText: 'Hi Ravi in Delhi' }).waitFor();

    const customers = await listNamed('Customers');
    await page.getByLabel('List', { exact: true }).selectOption({ label: `${customers.name} (${customers.count})` });
    const refused = await previewViaApi({ list_id: customers.id, body });
    assert.equal(refused.code, 'unknown_placeholder', 'precondition: Customers has no City column');
    // Shown at the message with the sidecar's details: the unknown name and the columns the list does have.
    const shown = page.getByTestId('placeholder-error').filter({ hasText: `Unknown placeholder {{${refused.unknown[0]}}}` });
    await shown.waitFor();
    assert.equal(await shown.getAttribute('role'), 'alert');
    const columns = refused.columns.length ? refused.columns.join(', ') : '(none besides the built-ins)';
    assert.ok((await shown.innerText()).includes(`The list has the columns ${columns}`), await shown.innerText());
    await page.getByLabel('Message', { exact: true }).fill('Привет {{name}}! '.repeat(6));
    await preview.getByLabel('Preview for').selectOption({ label: 'Zed' });
    await preview.getByTestId('preview-body').filter({ hasText: 'Привет Zed!' }).waitFor();
    await preview.getByTestId('sms-stats').filter({ hasText: 'UCS-2' }).waitFor();
    assert.match(await preview.getByTestId('sms-stats').innerText(), /2 SMS segments/);
    await assertCleanPage(app.browser);
  });

  test('a campaign runs live to the end, skips do-not-contact, and its report matches the ledger', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Saved lists');
    await page.getByLabel('Numbers or emails, one per line').fill('+1 415 555 2673');
    await page.getByRole('button', { name: 'Add to do-not-contact' }).click();
    await page.getByTestId('dnc').getByText('+14155552673').waitFor();
    const list = await listNamed('Customers');
    await composeCampaign(page, { list, campaign: 'Spring hello', channel: null, body: 'Hello {{name|there}}', perMinute: 240 });
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'Rehearsal' });
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    const detail = page.getByTestId('campaign-detail');
    await detail.getByRole('heading', { name: 'Spring hello' }).waitFor();
    assert.equal(await detail.getByTestId('campaign-status').innerText(), 'draft');
    await startCampaign(page);
    await detail.getByTestId('campaign-status').filter({ hasText: 'running' }).waitFor();
    await detail.getByTestId('campaign-log').locator('li').first().waitFor();
    await detail.getByTestId('campaign-status').filter({ hasText: 'completed' }).waitFor(LONG);
    const campaign = (await api('/campaigns')).campaigns.find((c) => c.name === 'Spring hello');
    assert.equal(campaign.counts.skipped, 1);
    assert.equal(campaign.counts.sent, list.count - 1);  // everyone but the do-not-contact number
    const done = campaign.counts.total;
    await detail.getByText(`${done} of ${done} done`).waitFor();
    // Screen readers hear the end once, not every message.
    await detail.getByTestId('progress-announcement')
      .filter({ hasText: `Campaign completed: ${campaign.counts.sent} sent, ${done} done out of ${done}.` })
      .waitFor({ state: 'attached' });
    assert.equal(await detail.locator('[data-count=sent]').innerText(), String(campaign.counts.sent));
    const [file] = await Promise.all([page.waitForEvent('download'), detail.getByRole('link', { name: 'Report CSV' }).click()]);
    const rows = parseCsv((await readFile(await file.path(), 'utf8')).replace(/^\uFEFF/, '')).filter((r) => r.length > 1);
    const ledger = (await api(`/campaigns/${campaign.id}/recipients?limit=1000`)).recipients;
    assert.deepEqual(rows[0].slice(0, 3), ['address', 'name', 'status']);
    const providerId = rows[0].indexOf('provider_id');
    assert.deepEqual(rows.slice(1).map((r) => [r[0].replace(/^'/, ''), r[2], r[providerId]]),
      ledger.map((r) => [r.address, r.status, r.provider_id ?? '']));
    await detail.getByLabel('Status').selectOption('skipped');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=recipients] tbody tr')];
      return rows.length === 1 && rows[0].dataset.status === 'skipped';
    });
    assert.match(await detail.getByTestId('recipients').locator('tbody tr').innerText(), /\+14155552673/);
    await assertCleanPage(app.browser);
  });

  test('pause and resume from the campaign screen', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    const list = await listNamed('Customers');
    await composeCampaign(page, { list, campaign: 'Slow one', channel: null, body: 'Slowly, {{name|friend}}', perMinute: 30 });
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'Rehearsal' });
    await page.getByRole('button', { name: 'Create campaign' }).click();
    const detail = page.getByTestId('campaign-detail');
    await detail.getByRole('heading', { name: 'Slow one' }).waitFor();
    await startCampaign(page);
    await detail.getByRole('button', { name: 'Pause' }).click();
    await detail.getByTestId('campaign-status').filter({ hasText: 'paused' }).waitFor();
    const paused = (await api('/campaigns')).campaigns.find((c) => c.name === 'Slow one');
    assert.equal(paused.status, 'paused');
    assert.ok(paused.counts.pending > 0);
    await detail.getByRole('button', { name: 'Resume' }).click();
    await detail.getByTestId('campaign-status').filter({ hasText: 'running' }).waitFor();
    assert.equal((await api(`/campaigns/${paused.id}`)).status, 'running');
    await assertCleanPage(app.browser);
  });

  test('a newly created campaign is selected, in view and has the keyboard focus', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    const list = await listNamed('Customers');
    await composeCampaign(page, { list, campaign: 'Focus me', channel: null, body: 'Hi {{name|there}}', perMinute: 60 });
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'Rehearsal' });
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByTestId('campaign-detail').getByRole('heading', { name: 'Focus me' }).waitFor();
    const created = (await api('/campaigns')).campaigns.find((c) => c.name === 'Focus me');
    const entry = page.getByRole('list', { name: 'Campaigns' }).locator(`button[data-campaign-id="${created.id}"]`);
    assert.equal(await entry.getAttribute('aria-current'), 'true', 'the new campaign is the selected one');
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-campaign-id') === String(id), created.id);
    const box = await entry.boundingBox();
    const viewport = page.viewportSize();
    assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height, 'the entry is scrolled into view');
    await page.keyboard.press('Tab');
    assert.notEqual(await page.evaluate(() => document.activeElement?.getAttribute('data-campaign-id')), String(created.id),
      'the focus was really on the entry: Tab moves on from it');
    await assertCleanPage(app.browser);
  });
});
