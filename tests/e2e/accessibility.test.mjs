/**
 * Every screen, in light and dark, at the smallest supported window (1024×700): axe-core finds no serious or
 * critical WCAG 2.1 AA violation, and no control is cut off at the right edge. Screenshots are kept in
 * docs/screenshots/1024x700/ to look at.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { SCREENSHOT_DIR } from './support/paths.mjs';
import { useApp } from './support/setup.mjs';
import { assertCleanPage, chooseCountry, goTo, openApp, pickFile, seriousViolations, waitForResults } from './support/ui.mjs';

const VIEWPORT = { width: 1024, height: 700 };
const SHOTS = path.join(SCREENSHOT_DIR, '1024x700');
const CONTACTS = [{ name: 'Ann', number: '+14155550101', email: 'ann@example.org' },
  { name: 'Ben', number: '+14155550102', email: 'ben@example.org' }];

/** A JSON request to the sidecar; the decoded answer (asserting a 2xx). */
async function send(url, method, pathName, body) {
  const response = await fetch(`${url}${pathName}`, { method, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body) });
  const answer = await response.json();
  assert.ok(response.ok, `${method} ${pathName}: ${JSON.stringify(answer)}`);
  return answer;
}

const app = useApp({ inputs: true, browser: false, prepare: async ({ sidecar }) => {
  await mkdir(SHOTS, { recursive: true });
  const list = (await send(sidecar.url, 'POST', '/lists', { name: 'A list with a rather long name for narrow windows',
    contacts: CONTACTS })).list;
  const channel = await send(sidecar.url, 'POST', '/channels', { name: 'Rehearsal', type: 'dry_run', config: {} });
  await send(sidecar.url, 'POST', '/campaigns', { name: 'Spring news for every customer on the list', list_id: list.id,
    channel_id: channel.id, body: 'Hello {{name}}', pacing: { per_minute: 60 } });
} });

/** Visible controls that reach past the window's right edge or start left of it (clipped, not reachable). */
async function clippedControls(page) {
  return page.evaluate(() => [...document.querySelectorAll('button, a[href], input, select, textarea, [role=button]')]
    .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .filter((el) => !el.closest('.visually-hidden, dialog:not([open])'))
    .map((el) => ({ el, box: el.getBoundingClientRect() }))
    .filter(({ box }) => box.width > 0 && (box.right > window.innerWidth + 1 || box.left < -1))
    .map(({ el, box }) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40)}" at ${Math.round(box.left)}–${Math.round(box.right)}`));
}

/** The screens, each with what to wait for once it is shown. */
const SCREENS = [
  ['Import', async (page) => page.getByRole('heading', { name: 'Earlier imports' }).waitFor()],
  ['Results', async (page) => page.getByTestId('rows-scroll').waitFor()],
  ['Number checker', async (page) => {
    await page.getByLabel('Phone number').fill('+44 20 7946 0958');
    await page.getByLabel('Phone number').press('Enter');
    await page.getByTestId('check-result').waitFor();
  }],
  ['Saved lists', async (page) => page.getByTestId('saved-lists').locator('tbody tr').first().waitFor()],
  ['Compose', async (page) => page.getByRole('heading', { level: 1 }).waitFor()],
  ['Campaigns', async (page) => page.getByText('Spring news for every customer on the list').first().waitFor()],
  ['Inbox', async (page) => page.getByRole('heading', { level: 1 }).waitFor()],
  ['Settings', async (page) => page.getByRole('heading', { level: 1 }).waitFor()],
];

for (const theme of ['light', 'dark']) {
  test(`every screen passes axe-core and fits 1024×700 (${theme})`, async () => {
    const browser = await launchBrowser({ colorScheme: theme, viewport: VIEWPORT });
    const { page } = browser;
    const problems = [];
    try {
      await openApp(page, app.sidecar.url);
      await chooseCountry(page, 'Default country', 'India');
      await pickFile(page, path.join(app.inputs, 'contacts.csv'));
      await waitForResults(page, 'contacts.csv');
      for (const [label, ready] of SCREENS) {
        await goTo(page, label);
        await ready(page);
        await page.waitForTimeout(300); // let transitions settle before measuring colours
        await page.screenshot({ path: path.join(SHOTS, `${label.toLowerCase().replace(/ /g, '-')}-${theme}.png`) });
        for (const line of await seriousViolations(page)) problems.push(`${label}: ${line}`);
        for (const line of await clippedControls(page)) problems.push(`${label}: clipped ${line}`);
      }
      assert.deepEqual(problems, [], 'no serious accessibility violation and no clipped control');
      await assertCleanPage(browser);
    } finally {
      await browser.close();
    }
  });
}
