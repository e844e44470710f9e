/** A 100,000-row list: uploaded with progress, paged from the sidecar, and the table stays virtual. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { importInfo } from './support/api.mjs';
import { parseCsv, xlsxCells } from './support/files.mjs';
import { useApp } from './support/setup.mjs';
import {
  assertCleanPage, cardsOf, chooseCountry, openApp, pickFile, readSummary, shownImportId, waitForResults,
} from './support/ui.mjs';

const ROWS = Number(process.env.BULKMSG_E2E_BIG_ROWS ?? 100_000);
const MAX_DOM_ROWS = 1000;

const app = useApp({ bigRows: ROWS });

/** Slow the page's uploads or downloads to so many bytes per second (-1: as fast as they go); returns a function
 * that undoes it. */
async function throttle(page, { upload = -1, download = -1 }) {
  // The emulation lives as long as this CDP session, so the session stays open until undone.
  const cdp = await page.context().newCDPSession(page);
  const conditions = (up, down) => ({ offline: false, latency: 0, downloadThroughput: down, uploadThroughput: up });
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', conditions(upload, download));
  return async () => {
    await cdp.send('Network.emulateNetworkConditions', conditions(-1, -1));
    await cdp.detach();
  };
}

/** Import big.csv through the page (default country India) and wait for its results. */
async function importBig(page) {
  await openApp(page, app.sidecar.url);
  await chooseCountry(page, 'Default country', 'India');
  await pickFile(page, path.join(app.inputs, 'big.csv'));
  await page.getByRole('progressbar').waitFor();
  await waitForResults(page, 'big.csv', { timeout: 180_000 });
}

/** The data rows of a CSV file that hold anything but white space (blank lines are no contacts). */
async function nonBlankRows(file) {
  const [, ...rows] = parseCsv(await readFile(file, 'utf8'));
  return rows.filter((row) => row.some((cell) => cell.trim() !== '')).length;
}

/** Rows currently in the table's DOM. */
function domRows(page) {
  return page.locator('[data-testid=rows-scroll] [role=row]').count();
}

test('a slow upload shows its progress and can be cancelled', async () => {
  const { page } = app.browser;
  await openApp(page, app.sidecar.url);
  const unthrottle = await throttle(page, { upload: 512 * 1024 });
  try {
    await pickFile(page, path.join(app.inputs, 'big.csv'));
    const bar = page.getByRole('progressbar', { name: 'Uploading big.csv…' });
    await bar.waitFor();
    await page.waitForFunction(() => Number(document.querySelector('progress')?.value) >= 10);
    const percent = Number(await bar.getAttribute('value'));
    assert.ok(percent >= 10 && percent < 100, `progress is partial (${percent}%)`);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Choose file…' }).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'cancelling is not an error');
  } finally {
    await unthrottle();
  }
});

test(`a ${ROWS}-row list shows a processing state, then a virtual table that reaches its last row`, async () => {
  const { page } = app.browser;
  const started = Date.now();
  await importBig(page);
  const importSeconds = (Date.now() - started) / 1000;

  const summary = await readSummary(page);
  const importId = await shownImportId(page);
  const info = await importInfo(app.sidecar.url, importId);
  assert.equal(info.summary.rows, await nonBlankRows(path.join(app.inputs, 'big.csv')), 'every row of the file was read');
  assert.deepEqual(summary, cardsOf(info.summary), 'the cards show the sidecar\'s counts');
  assert.ok((await domRows(page)) < MAX_DOM_ROWS, 'only the visible rows are in the DOM');

  const lastPage = await (await fetch(`${app.sidecar.url}/imports/${importId}/rows?offset=${summary.entries - 1}&limit=1`)).json();
  const scrollStart = Date.now();
  await page.getByTestId('rows-scroll').focus();
  await page.keyboard.press('End');
  const last = page.locator(`[role=row][data-entry-id="${lastPage.rows[0].id}"]`);
  await last.waitFor({ timeout: 30_000 });
  const scrollSeconds = (Date.now() - scrollStart) / 1000;
  assert.equal(Number(await last.locator('[role=gridcell]').first().innerText()), lastPage.rows[0].row);
  assert.ok((await domRows(page)) < MAX_DOM_ROWS, 'still virtual after jumping to the end');

  // A round trip through the page's event loop while the table holds 100k rows: the UI answers.
  const pingStart = Date.now();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  const pingMs = Date.now() - pingStart;
  console.log(`# big list: ${summary.entries} entries; import ${importSeconds.toFixed(1)} s; jump to last row ` +
    `${scrollSeconds.toFixed(2)} s; ${await domRows(page)} rows in the DOM; frame round trip ${pingMs} ms`);
  await assertCleanPage(app.browser);
});

test(`the ${ROWS}-row list exports to Excel with its progress on the page`, async () => {
  const { page } = app.browser;
  await importBig(page);
  const info = await importInfo(app.sidecar.url, await shownImportId(page));
  // Downloads slowed to 1 MB/s, so the bytes arriving (a few MB) are seen as a percentage.
  const unthrottle = await throttle(page, { download: 1024 * 1024 });
  try {
    const link = page.getByRole('link', { name: 'Contacts Excel' });
    const downloaded = page.waitForEvent('download', { timeout: 120_000 });
    await link.click();
    const progress = page.getByTestId('download-progress');
    await progress.filter({ hasText: /(Preparing|Downloading) Contacts Excel…/ }).waitFor();
    assert.equal(await link.getAttribute('aria-disabled'), 'true');
    await progress.filter({ hasText: /Downloading Contacts Excel… [1-9]\d?%/ }).waitFor({ timeout: 60_000 });
    const file = await downloaded;
    assert.equal(file.suggestedFilename(), 'big-contacts.xlsx');
    const [header, ...rows] = xlsxCells(await readFile(await file.path()));
    assert.deepEqual(header.map((c) => c.text), info.headers);
    assert.equal(rows.length, info.summary.valid, 'every valid contact');
    await progress.waitFor({ state: 'detached' });
  } finally {
    await unthrottle();
  }
  await assertCleanPage(app.browser);
});
