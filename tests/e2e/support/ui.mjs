/** How a user drives the app, as reusable steps; selectors are the visible labels and roles. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AXE_SOURCE } from './deps.mjs';

export const LONG = { timeout: 60_000 };

/** Open the app at the Import screen and wait until the country list has loaded. */
export async function openApp(page, url) {
  await page.goto(`${url}/`);
  await page.getByRole('heading', { name: 'Import contacts' }).waitFor();
  await page.waitForFunction(() => /\(\+\d+\)$/.test(document.querySelector('[role=combobox]')?.value ?? ''));
}

/** Go to a screen through the navigation. */
export async function goTo(page, label) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: label }).click();
}

/** The Compose screen, aria-busy until its saved draft is in the fields. */
export const COMPOSE_SCREEN = 'section[aria-labelledby=compose-title]';

/** Open Compose and wait until its saved draft is in the fields: typing earlier could be mixed with the restore. */
export async function openCompose(page) {
  await goTo(page, 'Compose');
  await page.locator(`${COMPOSE_SCREEN}[aria-busy=false]`).waitFor();
}

/** Pick a country in the combobox labelled LABEL by typing SEARCH and pressing Enter (keyboard only). */
export async function chooseCountry(page, label, search) {
  const box = page.getByRole('combobox', { name: label });
  await box.focus();
  await box.fill(search);
  await page.getByRole('option').first().waitFor();
  await box.press('Enter');
}

/** Pick a file with the (browser) file picker. */
export async function pickFile(page, filePath) {
  await page.setInputFiles('input[type=file]', filePath);
}

/** Drop a file on the drop zone, as a user dragging it from the desktop would. */
export async function dropFile(page, filePath) {
  const bytes = (await readFile(filePath)).toString('base64');
  await page.evaluate(([name, b64]) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([data], name));
    const zone = document.querySelector('[data-testid=dropzone]');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, [path.basename(filePath), bytes]);
}

/** Wait for the Results screen of TITLE with its first rows rendered; fail at once on an error alert. */
export async function waitForResults(page, title, options = LONG) {
  const heading = page.getByRole('heading', { name: title, level: 1 });
  const alert = page.getByRole('alert');
  await heading.or(alert).first().waitFor(options);
  if (!(await heading.isVisible())) throw new Error(`the UI showed an error instead of results: ${await alert.first().innerText()}`);
  await page.waitForSelector('[data-testid=rows-scroll] [role=row][data-entry-id], .table-empty', options);
}

/** The four counts the summary cards show. */
export async function readSummary(page) {
  const count = async (id) => Number((await page.locator(`[data-testid=summary-${id}] .summary__count`).innerText())
    .replace(/[^\d]/g, ''));
  return { entries: await count('all'), valid: await count('valid'), invalid: await count('invalid'),
    duplicates: await count('duplicate') };
}

/** The summary fields the cards show, picked from a sidecar summary. */
export function cardsOf(summary) {
  return { entries: summary.entries, valid: summary.valid, invalid: summary.invalid, duplicates: summary.duplicates };
}

/** The import the Results screen shows, read from its export link (the UI keeps no other trace). */
export async function shownImportId(page) {
  const href = await page.getByRole('link', { name: 'Contacts CSV' }).getAttribute('href');
  return /\/imports\/([^/]+)\/export/.exec(href)[1];
}

/** The rendered rows of the table as {entryId, row, value, number, alternates, name, email, status, details}. */
export async function renderedRows(page) {
  // The table renders a frame after the summary cards: wait for its header row (a cold first import was read empty).
  await page.locator('[data-testid=rows-scroll] [role=row]').first().waitFor();
  return page.$$eval('[data-testid=rows-scroll] [role=row]', (rows) => {
    // Cells are found by their column's header, so a column shown only for some imports (Email) shifts nothing.
    const names = [...rows[0].querySelectorAll('[role=columnheader]')].map((h) => h.textContent.trim().toLowerCase());
    return rows.filter((r) => r.dataset.entryId).map((r) => {
      const cells = [...r.querySelectorAll('[role=gridcell]')];
      const cell = (name) => cells[names.indexOf(name)];
      const number = cell('cleaned number');
      const alternates = number.querySelector('[data-testid=alternates]')?.title.replace(/^Also: /, '');
      return {
        entryId: Number(r.dataset.entryId),
        row: Number(cell('row').innerText),
        value: cell('original').querySelector('.mono')?.innerText ?? '',
        number: (number.querySelector('.truncate') ?? number).innerText,
        alternates: alternates ? alternates.split(', ') : [],
        name: cell('name').querySelector('.truncate')?.innerText ?? '',
        email: names.includes('email') ? cell('email').innerText : null,
        status: cell('status').innerText.toLowerCase(),
        details: cell('details').innerText,
      };
    }).sort((a, b) => a.entryId - b.entryId);
  });
}

/** Fail on any CSP violation or uncaught page error seen so far. */
export async function assertCleanPage(browser) {
  assert.deepEqual(await browser.cspViolations(), [], 'no CSP violations or page errors');
}

/**
 * Start the campaign on the Campaigns screen as a user does: Start…, then the confirmation, whose title and
 * button name how many recipients it goes to. Returns that number.
 */
export async function startCampaign(page) {
  await page.getByTestId('campaign-detail').getByRole('button', { name: 'Start…' }).click();
  const dialog = page.getByRole('dialog');
  const title = await dialog.getByRole('heading').innerText();
  const count = Number(/^Send to (\d+) recipients?/.exec(title)?.[1]);
  assert.ok(Number.isInteger(count), `the confirmation names the count: ${title}`);
  await dialog.getByRole('button', { name: `Send to ${count}` }).click();
  await dialog.waitFor({ state: 'hidden' });
  return count;
}

/** Serious and critical axe-core violations on the page, one line each. */
export async function seriousViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 5).join(', ')}`);
}
