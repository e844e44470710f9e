/** Results screen end to end: filters, search, reasons, fixing in place, keyboard use and every export. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { allRows, importInfo, validateViaApi } from './support/api.mjs';
import { parseCsv, parseVcards, xlsxCells } from './support/files.mjs';
import { useApp } from './support/setup.mjs';
import {
  assertCleanPage, cardsOf, chooseCountry, goTo, openApp, pickFile, readSummary, renderedRows, shownImportId, waitForResults,
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
    await page.getByTestId('import-message').filter({ hasText: `${before.valid + 1} valid numbers` }).waitFor();
    const stored = (await allRows(app.sidecar.url, importId, 'valid', fresh.e164.slice(3)))[0];
    assert.equal(stored.id, target.entryId);
    assert.deepEqual(cardsOf((await importInfo(app.sidecar.url, importId)).summary), await readSummary(page));
    await assertCleanPage(app.browser);
  });

  test('a name is edited in place and kept by the sidecar', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const target = (await renderedRows(page))[0];
    await page.locator(`[role=row][data-entry-id="${target.entryId}"]`).click();
    await page.getByRole('button', { name: `Rename row ${target.row}` }).click();
    const input = page.getByLabel(`New name for row ${target.row}`);
    await input.fill('  Zoë   Renamed ');
    await input.press('Enter');
    await input.waitFor({ state: 'detached' });
    const cell = page.locator(`[role=row][data-entry-id="${target.entryId}"] [role=gridcell]`).nth(3);
    assert.equal((await cell.locator('.truncate').innerText()).trim(), 'Zoë Renamed');
    const stored = (await allRows(app.sidecar.url, importId, 'all', 'Zoë Renamed')).map((r) => r.id);
    assert.ok(stored.includes(target.entryId), 'the sidecar has the new name');
    await page.getByRole('button', { name: `Rename row ${target.row}` }).click();
    await page.getByLabel(`New name for row ${target.row}`).fill('x'.repeat(201));
    await page.getByLabel(`New name for row ${target.row}`).press('Enter');
    await page.getByRole('alert').filter({ hasText: 'at most 200 characters' }).waitFor();
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

  test('exports give every column back, the number in E.164, and re-import to the same contacts', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const info = await importInfo(app.sidecar.url, importId);
    const valid = await allRows(app.sidecar.url, importId, 'valid');
    const phoneAt = info.headers.indexOf(info.columns.phone);
    assert.ok(phoneAt >= 0 && info.headers.length >= 3, 'precondition: a phone column among others');
    assert.ok(valid.some((r) => FORMULA_START.test(r.name ?? '')), 'precondition: a name that looks like a formula');

    const csv = await download(page, 'Contacts CSV');
    assert.match(csv.name, /\.csv$/);
    assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
    const [header, ...lines] = parseCsv(csv.bytes.subarray(3).toString('utf8'));
    assert.deepEqual(header, info.headers, 'every column of the file, in its order, under its name');
    for (const cell of lines.flat()) assert.ok(!runsAsFormula(cell), `cell ${cell} is neutralised`);
    assert.deepEqual(lines.map((line) => line[phoneAt]), valid.map((r) => r.number), 'plain E.164 numbers');
    for (const line of lines) assert.match(line[phoneAt], E164);

    const xlsx = await download(page, 'Contacts Excel');
    assert.match(xlsx.name, /\.xlsx$/);
    const [xHeader, ...xRows] = xlsxCells(xlsx.bytes);
    assert.deepEqual(xHeader.map((c) => c.text), info.headers);
    for (const cell of xRows.flat()) assert.ok(['s', 'inlineStr', 'str'].includes(cell.type), 'every cell is text');
    for (const cell of xRows.flat()) assert.ok(!cell.text.startsWith("'"), `no apostrophe in ${cell.text}`);
    assert.deepEqual(xRows.map((cells) => cells[phoneAt].text), valid.map((r) => r.number));

    const vcf = await download(page, 'Contacts vCard');
    assert.match(vcf.name, /\.vcf$/);
    assert.deepEqual(parseVcards(vcf.bytes.toString('utf8')).map((c) => c.tel), valid.map((r) => r.number));

    // The clean CSV imported again, through the page, holds the same contacts.
    const again = path.join(await mkdtemp(path.join(tmpdir(), 'export-')), 'contacts-again.csv');
    await writeFile(again, csv.bytes);
    await goTo(page, 'Import');
    await pickFile(page, again);
    await waitForResults(page, 'contacts-again.csv');
    const reimported = await allRows(app.sidecar.url, await shownImportId(page), 'all');
    assert.deepEqual(reimported.map((r) => [r.status, r.number]), valid.map((r) => ['valid', r.number]));
    await assertCleanPage(app.browser);
  });

  test('an export shows it is being prepared, takes no second click, then downloads; a failure says why', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const info = await importInfo(app.sidecar.url, importId);
    const valid = await allRows(app.sidecar.url, importId, 'valid');
    // The sidecar's answer is held in the browser's network layer until the page has been looked at, so the
    // state is seen however fast the export is.
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    const requested = [];
    await page.route('**/imports/*/export?*', async (route) => {
      requested.push(route.request().url());
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    const link = page.getByRole('link', { name: 'Contacts Excel' });
    const downloaded = page.waitForEvent('download');
    await link.click();
    const progress = page.getByTestId('download-progress');
    await progress.filter({ hasText: 'Preparing Contacts Excel…' }).waitFor();
    assert.equal(await link.getAttribute('aria-disabled'), 'true', 'the link takes no second click meanwhile');
    await link.press('Enter');
    release();
    const file = await downloaded;
    await progress.waitFor({ state: 'detached' });
    await page.unroute('**/imports/*/export?*');
    assert.equal(requested.length, 1, 'one request, however many clicks');
    assert.equal(file.suggestedFilename(), 'contacts-contacts.xlsx');
    const [header, ...rows] = xlsxCells(await readFile(await file.path()));
    assert.deepEqual(header.map((c) => c.text), info.headers);
    assert.deepEqual(rows.map((cells) => cells[info.headers.indexOf(info.columns.phone)].text), valid.map((r) => r.number));
    assert.equal(await link.getAttribute('aria-disabled'), null);

    // The import gone meanwhile: the sidecar's own error, on the page.
    assert.equal((await fetch(`${app.sidecar.url}/imports/${importId}`, { method: 'DELETE' })).status, 204);
    await page.getByRole('link', { name: 'Contacts CSV' }).click();
    await page.getByRole('status').filter({ hasText: 'Export failed: This import is no longer available' }).waitFor();
  });

  test('the email column has its own counts, and every invalid or duplicated address says why', async () => {
    const { page } = app.browser;
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'emails-')), 'with-emails.csv');
    await writeFile(file, 'Name,Phone,Email\nAnn,+1 415 555 0101,ann@example.org\nDee,+1 415 555 0102,d@example\n'
      + 'Ann twin,+1 415 555 0103,ANN@example.org\nEve,+1 415 555 0104,\n');
    await openApp(page, app.sidecar.url);
    await pickFile(page, file);
    await waitForResults(page, 'with-emails.csv');
    const { emails } = await importInfo(app.sidecar.url, await shownImportId(page));
    assert.deepEqual([emails.valid, emails.invalid.length, emails.duplicates.length], [1, 1, 1], 'precondition');
    const card = page.getByTestId('email-summary');
    assert.equal(await card.locator('[data-count=valid]').innerText(), '1');
    assert.equal(await card.locator('[data-count=invalid]').innerText(), '1');
    assert.equal(await card.locator('[data-count=duplicates]').innerText(), '1');
    await card.getByText(`Row ${emails.invalid[0].row} (Dee): d@example — ${emails.invalid[0].message}`).waitFor();
    await card.getByText('Duplicated addresses').click();
    await card.getByText(`same as row ${emails.duplicates[0].duplicate_of_row}`).waitFor();
    const shown = Object.fromEntries((await renderedRows(page)).map((r) => [r.name, r]));
    assert.deepEqual([shown.Ann.email, shown.Dee.email, shown.Eve.email], ['ann@example.org', 'd@example', '—']);
    assert.equal(shown.Dee.details, `Email: ${emails.invalid[0].message}`, 'the table says what is wrong, too');
    assert.equal(shown['Ann twin'].details, `Email: Same email address as row ${emails.duplicates[0].duplicate_of_row}.`);
    assert.equal(shown.Ann.details, '');
    await assertCleanPage(app.browser);
  });

  test('every valid number of a contact is kept: alternates shown, chosen in the column dialog, saved with the list', async () => {
    const { page } = app.browser;
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'alternates-')), 'family.csv');
    await writeFile(file, 'Name,Mobile,Home phone,Work phone\nAnn,+1 415 555 2671,(415) 555-2672,+1 415 555 2673\n'
      + 'Bob,12,+1 415 555 2681,\nCy,+1 415 555 2691,,\n');
    await openApp(page, app.sidecar.url);
    await chooseCountry(page, 'Default country', 'United States');
    await pickFile(page, file);
    await waitForResults(page, 'family.csv');
    const rows = () => renderedRows(page).then((all) => Object.fromEntries(all.map((r) => [r.name, r])));
    let shown = await rows();
    assert.deepEqual(shown.Ann.alternates, ['+14155552672', '+14155552673']);
    assert.equal(shown.Bob.number, '+14155552681', 'a mobile cell with no valid number gives way to the home number');
    assert.deepEqual(shown.Cy.alternates, []);
    assert.equal(await page.getByTestId('alternates').first().textContent(), '+2 other numbers: +14155552672, +14155552673');

    await page.getByRole('button', { name: 'Columns…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Columns and sheet' });
    const kept = dialog.getByRole('group', { name: 'Other numbers kept as alternates' });
    assert.equal(await kept.getByRole('checkbox', { name: 'Home phone' }).isChecked(), true, 'detected ones start ticked');
    assert.equal(await kept.getByRole('checkbox', { name: 'Name' }).isChecked(), false);
    await kept.getByRole('checkbox', { name: 'Home phone' }).uncheck();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=alternates]').length === 1
      && document.querySelector('[data-testid=alternates]').title === 'Also: +14155552673');
    shown = await rows();
    assert.equal(shown.Bob.status, 'invalid', 'without the home column Bob has no valid number');
    const info = await importInfo(app.sidecar.url, await shownImportId(page));
    assert.deepEqual(info.columns.phone_fallbacks, ['Work phone'], 'the sidecar imported with the choice');

    await page.getByRole('button', { name: 'Save as list “family”' }).click();
    await page.getByTestId('save-list-status').filter({ hasText: 'Saved as the list “family”' }).waitFor();
    await goTo(page, 'Saved lists');
    await page.getByTestId('saved-lists').getByRole('button', { name: 'family', exact: true }).click();
    await page.getByText('also +14155552673').waitFor();
    await assertCleanPage(app.browser);
  });

  test('invalid rows and duplicates download apart with every column and why; a fixed file imports', async () => {
    const { page } = app.browser;
    const importId = await importContacts();
    const info = await importInfo(app.sidecar.url, importId);
    const invalid = await allRows(app.sidecar.url, importId, 'invalid');
    const duplicates = await allRows(app.sidecar.url, importId, 'duplicate');
    const reasonHeaders = ['Import row', 'Problem', 'Problem detail', 'Duplicate of row'];

    const invalidCsv = await download(page, 'Invalid rows CSV');
    const [iHeader, ...iLines] = parseCsv(invalidCsv.bytes.subarray(3).toString('utf8'));
    assert.deepEqual(iHeader, [...info.headers, ...reasonHeaders]);
    const at = (name) => iHeader.indexOf(name);
    assert.deepEqual(iLines.map((l) => [Number(l[at('Import row')]), l[at('Problem')]]),
      invalid.map((r) => [r.row, r.reason]));
    for (const line of iLines) assert.ok(line[at('Problem detail')].length > 0, 'every invalid row says why');

    const dupCsv = await download(page, 'Duplicates CSV');
    const [dHeader, ...dLines] = parseCsv(dupCsv.bytes.subarray(3).toString('utf8'));
    assert.deepEqual(dHeader, iHeader);
    assert.deepEqual(dLines.map((l) => [Number(l[at('Import row')]), Number(l[at('Duplicate of row')])]),
      duplicates.map((r) => [r.row, r.duplicate_of_row]));

    const book = await download(page, 'Invalid and duplicates Excel');
    assert.deepEqual(xlsxCells(book.bytes, 0).length - 1, invalid.length, 'sheet 1: the invalid rows');
    assert.deepEqual(xlsxCells(book.bytes, 1).length - 1, duplicates.length, 'sheet 2: the duplicates');

    // Fix the invalid rows' numbers in the downloaded file and import it again: every fixed row is valid.
    const phoneAt = info.headers.indexOf(info.columns.phone);
    const fixed = iLines.slice(0, 5).map((line, i) => line.map((cell, c) => (c === phoneAt ? `+91 98111 200${10 + i}` : cell)));
    const text = [iHeader, ...fixed].map((row) => row.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')).join('\r\n');
    const fixedFile = path.join(await mkdtemp(path.join(tmpdir(), 'fixed-')), 'fixed.csv');
    await writeFile(fixedFile, text);
    await goTo(page, 'Import');
    await pickFile(page, fixedFile);
    await waitForResults(page, 'fixed.csv');
    const summary = await readSummary(page);
    assert.deepEqual([summary.valid, summary.invalid, summary.duplicates], [fixed.length, 0, 0]);
    await assertCleanPage(app.browser);
  });
});
