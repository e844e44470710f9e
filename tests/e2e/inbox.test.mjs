/** Delivery truth through the real UI and sidecar: replies arriving by WhatsApp Cloud API webhook in the Inbox (live,
 * announced, marked read when opened, answered), STOP putting the contact on the consent list, the Settings screen's
 * webhook status and opt-out words, and a campaign's delivered / read / failed / replied report. Meta's side is
 * played by signed webhook posts and a fake Graph API (support/whatsapp_cloud.mjs). */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { useApp } from './support/setup.mjs';
import { LONG, assertCleanPage, chooseCountry, goTo, openApp, waitForResults, startCampaign, openCompose } from './support/ui.mjs';
import { APP_SECRET, PHONE_NUMBER_ID, inboundText, postWebhook, startFakeCloudApi, statusUpdate }
  from './support/whatsapp_cloud.mjs';

const ANA = { from: '14155552671', name: 'Ana' };
const BEN = { from: '14155552672', name: 'Ben' };
const CHANNEL = 'Cloud number';
const CAMPAIGN_NUMBERS = ['+14155552681', '+14155552682', '+14155552683', '+14155552684'];

let cloud = null;
let channel = null;
let wamids = 0;
const app = useApp({
  prepare: async ({ sidecar }) => {
    cloud = await startFakeCloudApi();
    channel = await send(sidecar.url, 'POST', '/channels', { name: CHANNEL, type: 'whatsapp',
      config: { phone_number_id: PHONE_NUMBER_ID, api_base: cloud.url },
      secrets: { access_token: 't', app_secret: APP_SECRET, webhook_verify_token: 'verify-1' } });
  },
});
after(async () => { await cloud?.stop(); });

/** A JSON request straight to the sidecar; fails the test unless it succeeds. */
async function send(base, method, path, body) {
  const response = await fetch(`${base}${path}`, { method, headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** GET a sidecar path as JSON (what the UI should show comes from here). */
const api = (path) => send(app.sidecar.url, 'GET', path);

/** Poll the campaign until DONE(campaign) holds. */
async function waitForStatus(id, done, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const campaign = await api(`/campaigns/${id}`);
    if (done(campaign)) return campaign;
    assert.ok(Date.now() < deadline, `campaign ${id} did not reach the expected state`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The words of a sidecar error answer, whichever error shape it has. */
function errorWords(body) {
  return typeof body.error === 'string' ? body.error : body.error.message;
}

/** CONTACT writes BODY to the channel: Meta's signed webhook, which the sidecar must accept. */
async function contactWrites(contact, body) {
  wamids += 1;
  const response = await postWebhook(app.sidecar.url, channel.id,
    inboundText({ ...contact, id: `wamid.IN${wamids}`, body }));
  assert.equal(response.status, 200, await response.text());
}

/** The Inbox's conversation with CONTACT, from the API. */
async function conversationOf(contact) {
  const inbox = await api('/inbox?limit=100');
  return inbox.conversations.find((c) => c.channel_id === channel.id && c.address.replace(/^\+/, '') === contact.from);
}

/** The conversation entry of CONTACT in the Inbox's list. */
function entryOf(page, conversation) {
  return page.getByTestId('inbox-list').locator(`button[data-channel-id="${conversation.channel_id}"]`
    + `[data-address="${conversation.address}"]`);
}

/** Open the app on the Inbox screen. */
async function openInbox(page) {
  await openApp(page, app.sidecar.url);
  await goTo(page, 'Inbox');
  await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
}

/** " (n%)" as the campaign report writes a share, or nothing of 0. */
function share(part, whole) {
  return whole > 0 ? ` (${Math.round((part / whole) * 100)}%)` : '';
}

describe('delivery truth: inbox, consent and delivery report', () => {
  test('an inbound WhatsApp message shows in the Inbox as an unread conversation, counted in the navigation', async () => {
    const { page } = app.browser;
    await contactWrites(ANA, 'Hello there');
    const conversation = await conversationOf(ANA);
    assert.ok(conversation, 'the sidecar lists the conversation');
    assert.equal(conversation.unread, 1);
    await openInbox(page);
    const entry = entryOf(page, conversation);
    await entry.waitFor();
    assert.match(await entry.innerText(), /Ana/);
    assert.match(await entry.innerText(), /Hello there/);
    assert.equal(await entry.getByTestId('unread-badge').innerText(), '1 unread');
    assert.match(await entry.innerText(), new RegExp(CHANNEL));
    const inbox = await api('/inbox');
    assert.equal(await page.getByTestId('inbox-nav-unread').textContent(), `${inbox.unread} unread`);
    await assertCleanPage(app.browser);
  });

  test('a message arriving while the Inbox is open appears at once and is announced', async () => {
    const { page } = app.browser;
    await openInbox(page);
    const conversation = await conversationOf(ANA);
    const entry = entryOf(page, conversation);
    await entry.waitFor();
    await contactWrites(ANA, 'Are you open on Sunday?');
    // No reload, no click: the event stream brings it.
    await entry.filter({ hasText: 'Are you open on Sunday?' }).waitFor();
    await entry.getByTestId('unread-badge').filter({ hasText: '2 unread' }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=inbox-announcer]')?.textContent
      === 'New message from Ana: Are you open on Sunday?');
    const announcer = page.getByTestId('inbox-announcer');
    assert.equal(await announcer.getAttribute('aria-live'), 'polite');
    assert.equal(await announcer.getAttribute('role'), 'status');
    assert.equal((await api('/inbox')).unread, 2);
    await page.getByTestId('inbox-nav-unread').filter({ hasText: '2 unread' }).waitFor();
    await assertCleanPage(app.browser);
  });

  test('opening a conversation shows its messages oldest first and marks it read', async () => {
    const { page } = app.browser;
    await openInbox(page);
    const conversation = await conversationOf(ANA);
    await entryOf(page, conversation).click();
    const thread = page.getByTestId('inbox-thread');
    await thread.getByRole('heading', { name: `Ana (${conversation.address})` }).waitFor();
    const messages = thread.getByRole('list', { name: 'Messages with Ana' });
    await messages.locator('li').nth(1).waitFor();
    const expected = (await api(`/inbox/messages?${new URLSearchParams({ channel_id: String(channel.id),
      address: conversation.address })}`)).messages;
    assert.deepEqual(await messages.locator('.inbox-msg__body').allInnerTexts(), expected.map((m) => m.body));
    assert.deepEqual(expected.map((m) => m.body), ['Hello there', 'Are you open on Sunday?']);
    await entryOf(page, conversation).getByTestId('unread-badge').waitFor({ state: 'detached' });
    assert.equal((await conversationOf(ANA)).unread, 0);
    assert.equal((await api('/inbox')).unread, 0);
    await page.getByTestId('inbox-nav-unread').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('inbox-unread').innerText(), 'No unread messages');
    await assertCleanPage(app.browser);
  });

  test('a reply typed in the conversation is sent through the channel and shown in the thread', async () => {
    const { page } = app.browser;
    await openInbox(page);
    const conversation = await conversationOf(ANA);
    await entryOf(page, conversation).click();
    const thread = page.getByTestId('inbox-thread');
    await thread.getByLabel('Reply to Ana').fill('Yes, from 10 to 4.');
    await thread.getByRole('button', { name: 'Send reply' }).click();
    await thread.getByRole('status').filter({ hasText: 'Reply sent.' }).waitFor();
    const mine = thread.locator('li[data-direction=out]');
    await mine.filter({ hasText: 'Yes, from 10 to 4.' }).waitFor();
    assert.match(await mine.last().innerText(), /You/);
    const sent = cloud.sent().filter((m) => m.to === ANA.from);
    assert.deepEqual(sent.map((m) => m.text), ['Yes, from 10 to 4.']);
    const stored = (await api(`/inbox/messages?${new URLSearchParams({ channel_id: String(channel.id),
      address: conversation.address })}`)).messages.at(-1);
    assert.deepEqual([stored.direction, stored.status, stored.body], ['out', 'sent', 'Yes, from 10 to 4.']);
    await assertCleanPage(app.browser);
  });

  test('a reply of STOP puts the contact on the consent list as “Replied STOP”, shown on Saved lists', async () => {
    const { page } = app.browser;
    await openInbox(page);
    await contactWrites(BEN, 'STOP');
    const conversation = await conversationOf(BEN);
    assert.equal(conversation.opted_out, true);
    const entry = entryOf(page, conversation);
    await entry.filter({ hasText: 'Opted out' }).waitFor();
    const listed = (await api('/do-not-contact?limit=100')).entries.find((e) => e.value === conversation.address);
    assert.ok(listed, 'the sidecar put Ben on the consent list');
    assert.equal(listed.source, 'keyword');
    assert.equal(listed.channel_name, CHANNEL);
    await goTo(page, 'Saved lists');
    const consent = page.getByTestId('dnc');
    await consent.getByRole('heading', { name: 'Consent list (do not contact)' }).waitFor();
    const row = consent.locator(`tr[data-entry-id="${listed.id}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 3), [conversation.address, 'Replied STOP', CHANNEL]);
    assert.deepEqual(await consent.getByRole('columnheader').allInnerTexts().then((h) => h.slice(0, 4)),
      ['Value', 'Source', 'Channel', 'Date']);
    await assertCleanPage(app.browser);
  });

  test('replies to a contact who opted out are blocked', async () => {
    const { page } = app.browser;
    await openInbox(page);
    const conversation = await conversationOf(BEN);
    await entryOf(page, conversation).click();
    const thread = page.getByTestId('inbox-thread');
    await thread.getByRole('heading', { name: `Ben (${conversation.address})` }).waitFor();
    await thread.getByRole('status').filter({ hasText: 'Opted out' }).waitFor();
    assert.equal(await thread.getByLabel('Reply to Ben').isDisabled(), true);
    assert.equal(await thread.getByRole('button', { name: 'Send reply' }).isDisabled(), true);
    const refused = await fetch(`${app.sidecar.url}/inbox/reply`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel_id: channel.id, address: conversation.address, body: 'Hi' }) });
    assert.equal(refused.status, 409);
    assert.equal(cloud.sent().filter((m) => m.to === BEN.from).length, 0);
    await assertCleanPage(app.browser);
  });

  test('an opted-out number is marked when imported again and counted as skipped at compose time', async () => {
    const { page } = app.browser;
    const ben = `+${BEN.from}`;
    await openApp(page, app.sidecar.url);
    await chooseCountry(page, 'Default country', 'United States');
    await page.getByLabel('Or paste numbers').fill(`${ben}\n+1 415 555 2699`);
    await page.getByRole('button', { name: 'Check pasted numbers' }).click();
    await waitForResults(page, 'Pasted numbers');
    const row = page.locator('[data-testid=rows-scroll] [role=row][data-entry-id]').filter({ hasText: ben });
    await row.locator('.badge--opted-out', { hasText: 'Opted out' }).waitFor();
    assert.equal(await page.locator('.badge--opted-out').count(), 1, 'only the opted-out number is marked');
    const list = await send(app.sidecar.url, 'POST', '/lists', { name: 'With Ben',
      contacts: [{ number: ben, name: 'Ben' }, { number: '+14155552699', name: 'Zoe' }] });
    await openCompose(page);
    await page.getByLabel('List', { exact: true }).selectOption(String(list.list.id));
    await page.getByLabel('Channel', { exact: true }).selectOption(String(channel.id));
    const reach = await send(app.sidecar.url, 'POST', '/compose/reach', { list_id: list.list.id, channel_id: channel.id });
    assert.equal(reach.do_not_contact, 1);
    await page.getByTestId('compose-reach').filter({ hasText: '2 contacts, 2 have a phone number, 1 opted out: 1 will get the message.' })
      .waitFor();
    await assertCleanPage(app.browser);
  });

  test('Settings shows the URL to give the provider and that webhooks arrive; a non-https address is refused', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Settings');
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    const webhooks = page.getByTestId('webhooks');
    await webhooks.getByRole('heading', { name: 'Webhooks' }).waitFor();
    const row = webhooks.locator(`tr[data-channel-id="${channel.id}"]`);
    await row.getByTestId('webhook-state').filter({ hasText: 'Webhooks arriving: yes, last at' }).waitFor();
    const before = (await api('/settings/webhooks')).channels.find((c) => c.channel_id === channel.id);
    assert.ok(before.received >= 3, 'the sidecar counted the webhooks posted so far');

    const insecure = await fetch(`${app.sidecar.url}/settings/webhooks`, { method: 'PUT',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ public_url: 'http://tunnel.example.com' }) });
    assert.equal(insecure.status, 400);
    const address = webhooks.getByLabel('Public address (https)');
    await address.fill('http://tunnel.example.com');
    await webhooks.getByRole('button', { name: 'Save address' }).click();
    await webhooks.getByRole('alert').filter({ hasText: errorWords(await insecure.json()) }).waitFor();

    await address.fill('https://tunnel.example.com');
    await webhooks.getByRole('button', { name: 'Save address' }).click();
    await webhooks.getByRole('status').filter({ hasText: 'Public address saved.' }).waitFor();
    const status = await api('/settings/webhooks');
    assert.equal(status.public_url, 'https://tunnel.example.com');
    const mine = status.channels.find((c) => c.channel_id === channel.id);
    assert.ok(mine.url.startsWith('https://tunnel.example.com/'), mine.url);
    await row.locator('code').filter({ hasText: mine.url }).waitFor();
    await row.getByRole('button', { name: `Copy the webhook URL of ${CHANNEL}` }).waitFor();
    await assertCleanPage(app.browser);
  });

  test('Settings saves the opt-out words and restores the defaults', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Settings');
    const words = page.getByTestId('consent-words');
    await words.getByRole('heading', { name: 'Opt-out words' }).waitFor();
    const current = await api('/consent/keywords');
    const optOut = words.getByLabel('Opt-out words, one per line');
    await page.waitForFunction((expected) => document.querySelector('[data-testid=consent-words] textarea')?.value === expected,
      current.opt_out.join('\n'));
    await optOut.fill([...current.opt_out, 'ARRET'].join('\n'));
    await words.getByRole('button', { name: 'Save words' }).click();
    await words.getByRole('status').filter({ hasText: 'Opt-out words saved.' }).waitFor();
    const saved = await api('/consent/keywords');
    assert.ok(saved.opt_out.some((w) => w.toUpperCase() === 'ARRET'), JSON.stringify(saved.opt_out));
    assert.deepEqual(saved.opt_in, current.opt_in);

    await words.getByRole('button', { name: 'Restore defaults' }).click();
    await words.getByRole('status').filter({ hasText: 'Default words restored.' }).waitFor();
    const restored = await api('/consent/keywords');
    assert.deepEqual([restored.opt_out, restored.opt_in], [restored.defaults.opt_out, restored.defaults.opt_in]);
    assert.equal(await optOut.inputValue(), restored.defaults.opt_out.join('\n'));
    assert.equal(await words.getByLabel('Opt-in words, one per line').inputValue(), restored.defaults.opt_in.join('\n'));
    await assertCleanPage(app.browser);
  });

  test('the campaign report shows sent, delivered, read, failed and replied with their rates', async () => {
    const { page } = app.browser;
    const list = await send(app.sidecar.url, 'POST', '/lists', { name: 'Cloud friends',
      contacts: CAMPAIGN_NUMBERS.map((number, i) => ({ number, name: `Friend ${i + 1}` })) });
    const created = await send(app.sidecar.url, 'POST', '/campaigns', { name: 'Cloud hello', list_id: list.list.id,
      channel_id: channel.id, body: 'Hello {{name}}', pacing: { per_minute: 600, min_delay: 0, max_delay: 0 } });
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Campaigns');
    await page.getByRole('list', { name: 'Campaigns' }).locator(`button[data-campaign-id="${created.id}"]`).click();
    const detail = page.getByTestId('campaign-detail');
    await detail.getByRole('heading', { name: 'Cloud hello' }).waitFor();
    await startCampaign(page);
    await detail.getByTestId('campaign-status').filter({ hasText: 'completed' }).waitFor(LONG);

    // Meta reports back: three delivered (two of them read), one failed, and one contact writes back.
    const sent = cloud.sent().filter((m) => CAMPAIGN_NUMBERS.includes(`+${m.to}`));
    assert.equal(sent.length, CAMPAIGN_NUMBERS.length);
    const report = async (payload) => {
      const response = await postWebhook(app.sidecar.url, channel.id, payload);
      assert.equal(response.status, 200, await response.text());
    };
    for (const m of sent.slice(0, 3)) await report(statusUpdate({ wamid: m.id, to: m.to, status: 'delivered' }));
    for (const m of sent.slice(0, 2)) await report(statusUpdate({ wamid: m.id, to: m.to, status: 'read' }));
    await report(statusUpdate({ wamid: sent[3].id, to: sent[3].to, status: 'failed' }));
    await contactWrites({ from: sent[0].to, name: 'Friend' }, 'Thanks!');
    const { counts } = await api(`/campaigns/${created.id}`);
    assert.deepEqual([counts.sent, counts.delivered, counts.read, counts.delivery_failed, counts.replied], [4, 3, 2, 1, 1],
      'precondition: the sidecar recorded the statuses and the reply');

    // A finished campaign is read again when its screen is opened.
    await goTo(page, 'Inbox');
    await goTo(page, 'Campaigns');
    await page.getByRole('list', { name: 'Campaigns' }).locator(`button[data-campaign-id="${created.id}"]`).click();
    const table = detail.getByTestId('delivery-report').getByRole('table', { name: 'Delivery report' });
    await table.locator('[data-count=replied]').filter({ hasText: `${counts.replied}${share(counts.replied, counts.sent)}` })
      .waitFor();
    assert.deepEqual(await table.getByRole('columnheader').allInnerTexts(), ['Sent', 'Delivered', 'Read', 'Failed', 'Replied']);
    assert.deepEqual(await table.locator('tbody td').allInnerTexts(), [
      `${counts.sent}${share(counts.sent, counts.total)}`,
      `${counts.delivered}${share(counts.delivered, counts.sent)}`,
      `${counts.read}${share(counts.read, counts.sent)}`,
      `${counts.delivery_failed}${share(counts.delivery_failed, counts.sent)}`,
      `${counts.replied}${share(counts.replied, counts.sent)}`,
    ]);
    assert.equal(await detail.getByTestId('email-tracking-note').count(), 0, 'WhatsApp tracks delivery: no email note');
    await assertCleanPage(app.browser);
  });

  test('retrying unknown recipients first reconciles with the provider and sends only to those still in doubt', async () => {
    const { page } = app.browser;
    const numbers = ['+14155552691', '+14155552692'];
    const list = await send(app.sidecar.url, 'POST', '/lists', { name: 'Doubt',
      contacts: numbers.map((number, i) => ({ number, name: `Doubt ${i + 1}` })) });
    const created = await send(app.sidecar.url, 'POST', '/campaigns', { name: 'Lost answers', list_id: list.list.id,
      channel_id: channel.id, body: 'Hello {{name}}', pacing: { per_minute: 600, min_delay: 0, max_delay: 0 } });
    cloud.dropAnswers(true);
    try {
      await send(app.sidecar.url, 'POST', `/campaigns/${created.id}/start`);
      await waitForStatus(created.id, (c) => c.status !== 'running');
    } finally {
      cloud.dropAnswers(false);
    }
    assert.equal((await api(`/campaigns/${created.id}`)).counts.unknown, 2, 'precondition: both answers were lost');
    // Meta has the first one: its 'sent' status names the ledger row.
    const first = cloud.sent().find((m) => m.to === numbers[0].slice(1));
    const response = await postWebhook(app.sidecar.url, channel.id,
      statusUpdate({ wamid: first.id, to: first.to, status: 'sent', callback: first.callback }));
    assert.equal(response.status, 200);

    await openApp(page, app.sidecar.url);
    await goTo(page, 'Campaigns');
    await page.getByRole('list', { name: 'Campaigns' }).locator(`button[data-campaign-id="${created.id}"]`).click();
    const detail = page.getByTestId('campaign-detail');
    await detail.getByRole('button', { name: 'Retry unknown (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send again to recipients in doubt?' });
    await dialog.getByTestId('retry-unknown').filter({ hasText: '1 reconciled' }).waitFor();
    await dialog.getByText('Retrying may send them the message a second time.').waitFor();
    await dialog.getByRole('button', { name: 'Send again to 1' }).click();
    await waitForStatus(created.id, (c) => c.counts.sent === 2 && c.status === 'completed');
    const perNumber = numbers.map((n) => cloud.sent().filter((m) => m.to === n.slice(1)).length);
    assert.deepEqual(perNumber, [1, 2], 'only the recipient no status named got the message again');
    await assertCleanPage(app.browser);
  });
});
