/** Results screen end to end: filters, search, reasons, fixing in place, keyboard use and every export. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { allRows, importInfo, validateViaApi } from './support/api.mjs';
import { parseCsv, parseVcards, xlsxCells } from './support/files.mjs';
import { useApp } from './support/setup.mjs';
import {
  assertCleanPage, cardsOf, chooseCountry, openApp, pickFile, readSummary, renderedRows, shownImportId, waitForResults,
} from './support/ui.mjs';

const FORMULA_START = /^[=+\-@\t\r\n]/;
// Exports keep E.164 numbers as they are: digits after a '+' cannot form a formula.
const E164 = /^\+[1-9]\d{6,14}$/;

/** Whether a spreadsheet would run CELL as a formula. */
const runsAsFormula = (cell) => FORMULA_START.test(cell) && !E164.test(cell);

const app = useApp({ inputs: true });

/** Import contacts.csv (default country India) through the UI; return its import id. */
async function importContacts() {
  const { page } = app.browser;
  await openApp(page, app.sidecar.url);
  await chooseCountry(page, 'Default country', 'India');
  await pickFile(page, path.join(app.inputs, 'contacts.csv'));
  await waitForResults(page, 'contacts.csv');
  return shownImportId(page);
}

/** Click a filter card and wait until every rendered row has that status. */
async function showOnly(page, testId, status) {
  await page.getByTestId(testId).click();
  await page.waitForFunction((s) => {
    const rows = [...document.querySelectorAll('[data-testid=rows-scroll] [role=row][data-entry-id]')];
    return rows.length > 0 && rows.every((r) => r.classList.contains(`row--${s}`));
  }, status);
}

/** Click an export link and return the downloaded file's bytes and suggested name. */
async function download(page, linkName) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: linkName }).click()]);
  return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) };
}

/** A cell value with the export's formula-neutralising apostrophe taken off. */
function unNeutralised(cell) {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/** A valid number for REGION that the import does not contain yet. */
async function freshValidNumber(importId, region) {
  for (let n = 10; n < 99; n += 1) {
    const candidate = `+91 98765 432${n}`;
    const check = await validateViaApi(app.sidecar.url, candidate, region);
    if (check.valid && (await allRows(app.sidecar.url, importId, 'all', check.e164.slice(3))).length === 0) return check;
  }
  throw new Error('no fresh valid number found');
}

describe('results', () => {
  test('filters show only rows of that status, each rejected row with its reason', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    await showOnly(page, 'summary-invalid', 'invalid');
    const invalid = new Map((await allRows(app.sidecar.url, importId, 'invalid')).map((r) => [r.id, r]));
    for (const row of await renderedRows(page)) {
      assert.ok(invalid.has(row.entryId), `row ${row.row} is invalid per the sidecar`);
      assert.equal(row.details, invalid.get(row.entryId).message);
    }
    await showOnly(page, 'summary-duplicate', 'duplicate');
    const duplicates = new Map((await allRows(app.sidecar.url, importId, 'duplicate')).map((r) => [r.id, r]));
    for (const row of await renderedRows(page)) {
      assert.equal(row.details, `Duplicate of row ${duplicates.get(row.entryId).duplicate_of_row}`);
    }
    await showOnly(page, 'summary-valid', 'valid');
    const valid = await allRows(app.sidecar.url, importId, 'valid');
    const shown = await renderedRows(page);
    assert.deepEqual(shown.map((r) => r.entryId), valid.slice(0, shown.length).map((r) => r.id));
    await assertCleanPage(app.browser);
  });

  test('search narrows the rows to what the sidecar finds', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const named = (await allRows(app.sidecar.url, importId, 'all')).filter((r) => r.name);
    const term = named[Math.floor(named.length / 2)].name.split(' ')[0];
    const expected = await allRows(app.sidecar.url, importId, 'all', term);
    assert.ok(expected.length < named.length, 'precondition: the search narrows the list');
    await page.getByRole('searchbox', { name: 'Search rows' }).fill(term);
    await page.waitForFunction((ids) => {
      const shown = [...document.querySelectorAll('[data-testid=rows-scroll] [role=row][data-entry-id]')];
      return shown.length > 0 && shown.every((r) => ids.includes(Number(r.dataset.entryId)));
    }, expected.map((r) => r.id));
    const shown = await renderedRows(page);
    assert.deepEqual(shown.map((r) => r.entryId), expected.slice(0, shown.length).map((r) => r.id));
    await page.getByRole('searchbox', { name: 'Search rows' }).fill('no-such-contact-xyz');
    await page.getByText('No rows match this search.').waitFor();
    await assertCleanPage(app.browser);
  });

  test('fixing an invalid number in place re-validates it and updates the summary', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const before = await readSummary(page);
    const fresh = await freshValidNumber(importId, 'IN');
    await showOnly(page, 'summary-invalid', 'invalid');
    const target = (await renderedRows(page))[0];
    await page.getByRole('button', { name: `Fix row ${target.row}` }).first().click();
    const input = page.getByLabel(`New value for row ${target.row}`);
    await input.fill(fresh.international);
    await input.press('Enter');
    const fixedRow = page.locator(`[role=row][data-entry-id="${target.entryId}"]`);
    await fixedRow.locator('.badge--valid').waitFor();
    assert.equal(await fixedRow.locator('[role=gridcell]').nth(2).innerText(), fresh.e164);
    assert.deepEqual(await readSummary(page), { ...before, valid: before.valid + 1, invalid: before.invalid - 1 });
    const stored = (await allRows(app.sidecar.url, importId, 'valid', fresh.e164.slice(3)))[0];
    assert.equal(stored.id, target.entryId);
    assert.deepEqual(cardsOf((await importInfo(app.sidecar.url, importId)).summary), await readSummary(page));
    await assertCleanPage(app.browser);
  });

  test('the table is usable from the keyboard: arrows, End, Enter to edit, Esc to cancel', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const rows = await allRows(app.sidecar.url, importId, 'all');
    await page.getByRole('searchbox', { name: 'Search rows' }).focus();
    for (let i = 0; i < 12; i += 1) {
      if (await page.evaluate(() => document.activeElement?.dataset.testid === 'rows-scroll')) break;
      await page.keyboard.press('Tab');
    }
    const grid = page.getByTestId('rows-scroll');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'rows-scroll', 'Tab reaches the table');
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowDown');
    assert.equal(await grid.getAttribute('aria-activedescendant'), 'row-3');
    await page.keyboard.press('End');
    assert.equal(await grid.getAttribute('aria-activedescendant'), `row-${rows.length - 1}`);
    const last = page.locator(`#row-${rows.length - 1}`);
    await last.locator('[role=gridcell]').first().filter({ hasText: String(rows.at(-1).row) }).waitFor();
    await page.keyboard.press('Enter');
    const editor = page.getByLabel(`New value for row ${rows.at(-1).row}`);
    await editor.waitFor();
    assert.ok(await editor.evaluate((el) => el === document.activeElement), 'the editor has focus');
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'rows-scroll', 'focus returns to the table');
    await page.keyboard.press('Home');
    assert.equal(await grid.getAttribute('aria-activedescendant'), 'row-0');
    await assertCleanPage(app.browser);
  });

  test('exports download the cleaned list (CSV, XLSX, vCard) and the rejects, Excel-safe', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const valid = await allRows(app.sidecar.url, importId, 'valid');
    const rejected = [...await allRows(app.sidecar.url, importId, 'invalid'), ...await allRows(app.sidecar.url, importId, 'duplicate')];
    assert.ok(valid.some((r) => FORMULA_START.test(r.name ?? '')), 'precondition: a name that looks like a formula');

    const csv = await download(page, 'Contacts CSV');
    assert.match(csv.name, /\.csv$/);
    assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
    const [header, ...lines] = parseCsv(csv.bytes.subarray(3).toString('utf8'));
    assert.deepEqual(header.slice(0, 2), ['name', 'number']);
    for (const cell of lines.flat()) assert.ok(!runsAsFormula(cell), `cell ${cell} is neutralised`);
    for (const [, number] of lines) assert.doesNotMatch(number, /^\d+$/, 'no bare digits Excel would turn into 9.2E+11');
    assert.deepEqual(lines.map(([name, number]) => [unNeutralised(name), unNeutralised(number)]),
      valid.map((r) => [r.name ?? '', r.number]));

    const xlsx = await download(page, 'Contacts Excel');
    assert.match(xlsx.name, /\.xlsx$/);
    const [xHeader, ...xRows] = xlsxCells(xlsx.bytes);
    assert.deepEqual(xHeader.slice(0, 2).map((c) => c.text), ['name', 'number']);
    for (const cell of xRows.flat()) assert.ok(['s', 'inlineStr', 'str'].includes(cell.type), 'every cell is text');
    assert.deepEqual(xRows.map((cells) => cells[1].text), valid.map((r) => r.number));

    const vcf = await download(page, 'Contacts vCard');
    assert.match(vcf.name, /\.vcf$/);
    const cards = parseVcards(vcf.bytes.toString('utf8'));
    assert.deepEqual(cards.map((c) => c.tel), valid.map((r) => r.number));

    const rejects = await download(page, 'Rejected rows CSV');
    const [rHeader, ...rLines] = parseCsv(rejects.bytes.subarray(3).toString('utf8'));
    assert.ok(rHeader.includes('reason') && rHeader.includes('message'));
    const at = (name) => rHeader.indexOf(name);
    const expected = new Map(rejected.map((r) => [String(r.row) + '|' + r.value, r]));
    assert.equal(rLines.length, rejected.length);
    for (const line of rLines) {
      const api = expected.get(line[at('row')] + '|' + unNeutralised(line[at('value')]));
      assert.ok(api, `rejected row ${line[at('row')]} is a reject per the sidecar`);
      assert.equal(line[at('reason')], api.reason ?? 'duplicate');
      assert.ok(line[at('message')].length > 0, 'every reject says why');
    }
    await assertCleanPage(app.browser);
  });
});
