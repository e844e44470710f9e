/**
 * Nothing goes out by mistake (issue 15), through the real UI: a misspelled placeholder and an empty email subject
 * are refused, a draft campaign is reviewed (samples, plan), rehearsed and test-sent to a local SMTP server before
 * a Start that names its count, and a channel at a closed port pauses its campaign with the reason in plain words.
 */
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { SCREENSHOT_DIR } from './support/paths.mjs';
import { useApp } from './support/setup.mjs';
import { closedPort, startSmtpServer } from './support/smtp.mjs';
import { LONG, assertCleanPage, goTo, openApp, startCampaign } from './support/ui.mjs';

const TEAM = [
  { name: 'Asha', email: 'asha@example.org', number: '+14155550101', fields: { City: 'Pune' } },
  { name: 'Ben', email: 'ben@example.org', number: '+14155550102', fields: { City: '' } },
  { name: 'Chen', email: 'chen@example.org', number: '+14155550103', fields: { City: 'Lyon' } },
  { name: 'Dee', email: '', number: '+14155550104', fields: { City: 'Oslo' } },
];
const WITH_EMAIL = TEAM.filter((c) => c.email).length;

const app = useApp({ prepare: async (started) => {
  started.smtp = await startSmtpServer();
  started.list = (await send(started, 'POST', '/lists', { name: 'Team', contacts: TEAM })).list;
  started.mail = await send(started, 'POST', '/channels', { name: 'Office mail', type: 'smtp',
    config: { host: '127.0.0.1', port: started.smtp.port, security: 'none', from_address: 'team@example.org' } });
  started.broken = await send(started, 'POST', '/channels', { name: 'Broken mail', type: 'smtp',
    config: { host: '127.0.0.1', port: await closedPort(), security: 'none', from_address: 'team@example.org', timeout: 5 } });
} });
after(() => app.smtp?.stop());

/** A JSON request to the sidecar of APP; the decoded answer (asserting a 2xx). */
async function send(started, method, pathName, body) {
  const response = await fetch(`${started.sidecar.url}${pathName}`, { method,
    headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json();
  assert.ok(response.ok, `${method} ${pathName}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Resolve once CHECK() is true (polled), or fail after TIMEOUT_MS. */
async function eventually(check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `not true within ${timeoutMs} ms: ${check}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A draft email campaign on the Team list through CHANNEL, made through the API; its id. */
async function draftCampaign(name, channel, pacing = { per_minute: 600 }) {
  return (await send(app, 'POST', '/campaigns', { name, list_id: app.list.id, channel_id: channel.id,
    subject: 'News for {{name}}', body: 'Hi {{name}} in {{City|your city}}', pacing })).id;
}

/** Open the Campaigns screen on campaign ID. */
async function openCampaign(page, id) {
  await openApp(page, app.sidecar.url);
  await goTo(page, 'Campaigns');
  await page.getByRole('list', { name: 'Campaigns' }).locator(`button[data-campaign-id="${id}"]`).click();
  await page.getByTestId('campaign-detail').waitFor();
}

describe('nothing goes out by mistake', () => {
  test('a misspelled placeholder is refused with the columns, and an email needs a subject', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Compose');
    await page.getByLabel('Campaign name').fill('Typo');
    await page.getByLabel('List', { exact: true }).selectOption({ label: `Team (${TEAM.length})` });
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'Office mail' });
    await page.getByTestId('compose-reach').filter({ hasText: `${TEAM.length} contacts: ${WITH_EMAIL} will get the message` }).waitFor();
    assert.match(await page.getByTestId('compose-reach').innerText(), /1 without an email address/);
    await page.getByLabel('Message', { exact: true }).fill('Hi {{name}} from {{Citty}}');
    const refusal = page.getByRole('alert').filter({ hasText: '{{Citty}}' });
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /did you mean \{\{City\}\}\?.*the list has the columns City/s);
    await page.getByLabel('Message', { exact: true }).fill('Hi {{name}} from {{City}}');
    await page.getByTestId('preview-body').filter({ hasText: 'Hi Asha from Pune' }).waitFor();
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('alert').filter({ hasText: 'An email needs a subject' }).waitFor();
    const made = await send(app, 'GET', '/campaigns');
    assert.equal(made.campaigns.filter((c) => c.name === 'Typo').length, 0, 'nothing was created without a subject');
    await page.getByLabel('Subject').fill('Hello {{name}}');
    await page.getByText('An email needs a subject.').waitFor({ state: 'detached' });

    // The form is a draft kept by the sidecar: it comes back after leaving the screen and after a reload.
    await eventually(async () => (await send(app, 'GET', '/drafts/compose')).data?.subject === 'Hello {{name}}');
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Compose');
    await page.waitForFunction(() => document.querySelector('input[aria-label=Subject]')?.value === 'Hello {{name}}');
    assert.equal(await page.getByLabel('Campaign name').inputValue(), 'Typo');
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'Hi {{name}} from {{City}}');
    assert.equal(await page.getByLabel('Channel', { exact: true }).inputValue(), String(app.mail.id));
    assert.equal(await page.getByLabel('List', { exact: true }).inputValue(), String(app.list.id));
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    assert.equal((await send(app, 'GET', '/drafts/compose')).data, null, 'the draft is gone once the campaign exists');
    await assertCleanPage(app.browser);
  });

  test('review, rehearsal and a test send come before a Start that names its count', async () => {
    const { page } = app.browser;
    const id = await draftCampaign('Spring news', app.mail, { per_minute: 600, hourly_cap: 2 });
    await openCampaign(page, id);
    const review = page.getByTestId('campaign-review');
    await review.waitFor();
    assert.equal(await review.getByTestId('review-count').innerText(), String(WITH_EMAIL));
    assert.match(await review.getByTestId('review-sender').innerText(), /team@example\.org/);
    const samples = review.getByTestId('review-sample');
    await samples.nth(2).waitFor();
    assert.equal(await samples.count(), 3);
    assert.match(await samples.nth(0).innerText(), /News for Asha[\s\S]*Hi Asha in Pune/);
    assert.match(await samples.nth(2).innerText(), /Ben[\s\S]*1 fallback used[\s\S]*Hi Ben in your city/);
    assert.match(await review.getByTestId('plan-summary').innerText(), /3 messages, finishing around/);

    await review.getByRole('button', { name: /Rehearse/ }).click();
    const rehearsed = review.getByTestId('rehearsal-result');
    await rehearsed.waitFor(LONG);
    assert.match(await rehearsed.innerText(), /3 messages from/);
    assert.match(await review.getByTestId('rehearsal-waits').innerText(), /for the hourly cap/);
    assert.equal(app.smtp.messages.length, 0, 'a rehearsal sends nothing');

    await review.getByLabel('Test email address').fill('me@example.org');
    await review.getByRole('button', { name: 'Send a test' }).click();
    await review.getByTestId('test-sends').filter({ hasText: 'me@example.org' }).waitFor();
    assert.deepEqual(app.smtp.messages.map((m) => m.to), [['me@example.org']]);
    assert.match(app.smtp.messages[0].data, /Subject: News for Asha/);
    assert.match(app.smtp.messages[0].data, /Hi Asha in Pune/);
    const before = await send(app, 'GET', `/campaigns/${id}`);
    assert.equal(before.counts.sent, 0, 'a test send is not counted');
    assert.equal(before.counts.pending, WITH_EMAIL);

    assert.equal(await startCampaign(page), WITH_EMAIL);
    const detail = page.getByTestId('campaign-detail');
    await detail.getByTestId('campaign-status').filter({ hasText: 'running' }).waitFor();
    await detail.getByTestId('plan-summary').filter({ hasText: 'Still to send' }).waitFor();
    await eventually(async () => (await send(app, 'GET', `/campaigns/${id}`)).counts.sent === 2);
    await send(app, 'POST', `/campaigns/${id}/cancel`);  // the hourly cap would hold the third for an hour
    await detail.getByTestId('campaign-status').filter({ hasText: 'cancelled' }).waitFor(LONG);
    const delivered = app.smtp.messages.slice(1).map((m) => m.to[0]).sort();
    assert.deepEqual(delivered, ['asha@example.org', 'ben@example.org']);
    await assertCleanPage(app.browser);
  });

  test('a channel at a closed port pauses its campaign with the reason in plain words within a minute', async () => {
    const { page } = app.browser;
    const id = await draftCampaign('To nowhere', app.broken);
    await openCampaign(page, id);
    const began = Date.now();
    await startCampaign(page);
    const reason = page.getByTestId('campaign-detail').getByTestId('pause-reason');
    await reason.waitFor(LONG);
    const seconds = (Date.now() - began) / 1000;
    assert.ok(seconds < 60, `paused after ${seconds} s`);
    const text = await reason.innerText();
    assert.match(text, /127\.0\.0\.1/);
    assert.match(text, /refused|connect/i);
    assert.equal((await send(app, 'GET', `/campaigns/${id}`)).status, 'paused');
    await assertCleanPage(app.browser);
  });

  test('screenshots of the review step and the planner, light and dark', async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    const id = await draftCampaign('Autumn news', app.mail, { per_minute: 30, hourly_cap: 2, quiet_start: '22:00', quiet_end: '08:00' });
    for (const theme of ['light', 'dark']) {
      const browser = await launchBrowser({ colorScheme: theme });
      try {
        const { page } = browser;
        await page.setViewportSize({ width: 1280, height: 1100 });
        await openCampaign(page, id);
        const review = page.getByTestId('campaign-review');
        await review.getByTestId('review-sample').nth(2).waitFor();
        await review.scrollIntoViewIfNeeded();
        await shoot(page, `review-${theme}`);
        await review.getByRole('button', { name: /Rehearse/ }).click();
        await review.getByTestId('rehearsal-result').waitFor(LONG);
        await review.getByTestId('plan-summary').scrollIntoViewIfNeeded();
        await shoot(page, `planner-${theme}`);
      } finally {
        await browser.close();
      }
    }
  });
});

/** Save a screenshot and check it was written. */
async function shoot(page, name) {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  assert.ok((await stat(file)).size > 10_000, `${name}.png has content`);
}
