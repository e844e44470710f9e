/** Import screen end to end: every file type, paste, country, column mapping, sheets, and errors. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { allRows, uploadViaApi } from './support/api.mjs';
import { useApp } from './support/setup.mjs';
import {
  assertCleanPage, cardsOf, chooseCountry, dropFile, goTo, openApp, pickFile, readSummary, renderedRows,
  shownImportId, waitForResults,
} from './support/ui.mjs';

const app = useApp({ inputs: true });

/** Upload FILE through the UI (drop or picker) with default country IN; return what the UI shows. */
async function importThroughUi(file, how) {
  const { page } = app.browser;
  await openApp(page, app.sidecar.url);
  await chooseCountry(page, 'Default country', 'India');
  await (how === 'drop' ? dropFile(page, file) : pickFile(page, file));
  await waitForResults(page, path.basename(file));
  return { summary: await readSummary(page), rows: await renderedRows(page) };
}

describe('importing', () => {
  for (const [ext, how] of [['csv', 'pick'], ['tsv', 'drop'], ['txt', 'pick'], ['xlsx', 'pick'], ['xls', 'drop'], ['vcf', 'pick']]) {
    test(`a .${ext} file (${how === 'drop' ? 'drag and drop' : 'file picker'}) shows the sidecar's counts and rows`, async () => {
      const file = path.join(app.inputs, `contacts.${ext}`);
      const shown = await importThroughUi(file, how);
      const expected = await uploadViaApi(app.sidecar.url, file, { default_region: 'IN' });
      assert.equal(expected.status, 200);
      assert.deepEqual(shown.summary, cardsOf(expected.body.summary));
      assert.ok(shown.summary.entries > 0, 'the file has entries');
      const apiRows = await allRows(app.sidecar.url, expected.body.import_id);
      const byId = new Map(apiRows.map((r) => [r.id, r]));
      assert.ok(shown.rows.length > 5, 'rows are rendered');
      for (const row of shown.rows) {
        const api = byId.get(row.entryId);
        assert.equal(row.row, api.row);
        assert.equal(row.status, api.status);
        assert.equal(row.number, api.number ?? '—');
      }
      await assertCleanPage(app.browser);
    });
  }

  test('pasted numbers are checked like a file', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await chooseCountry(page, 'Default country', 'India');
    const text = '098765 43210\n+44 7911 123456\n12345\n+91 98765 43210\nnot a number';
    await page.getByLabel('Or paste numbers').fill(text);
    await page.getByRole('button', { name: 'Check pasted numbers' }).click();
    await waitForResults(page, 'Pasted numbers');
    const response = await fetch(`${app.sidecar.url}/parse-manual-numbers?limit=0`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ numbers: text, default_region: 'IN' }),
    });
    const expected = await response.json();
    assert.deepEqual(await readSummary(page), cardsOf(expected.summary));
    await assertCleanPage(app.browser);
  });

  test('changing the country re-checks the list, and the choice is remembered', async () => {
    const { page } = app.browser;
    const file = path.join(app.inputs, 'contacts.csv');
    const inIndia = await importThroughUi(file, 'pick');
    const asUs = await uploadViaApi(app.sidecar.url, file, { default_region: 'US' });
    const asIndia = await uploadViaApi(app.sidecar.url, file, { default_region: 'IN' });
    assert.notDeepEqual(cardsOf(asUs.body.summary), cardsOf(asIndia.body.summary), 'precondition: the region matters');
    assert.deepEqual(inIndia.summary, cardsOf(asIndia.body.summary));
    const before = await shownImportId(page);
    await chooseCountry(page, 'Country for numbers without a code', 'United States');
    await page.waitForFunction((id) => !document.querySelector(`a[href*="/imports/${id}/"]`), before);
    assert.deepEqual(await readSummary(page), cardsOf(asUs.body.summary));
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[role=combobox]')?.value === 'United States (+1)');
    await assertCleanPage(app.browser);
  });

  test('the column dialog shows the detected mapping and a preview, and a new phone column re-imports', async () => {
    const { page } = app.browser;
    const file = path.join(app.inputs, 'two_phones.csv');
    await importThroughUi(file, 'pick');
    const detected = (await uploadViaApi(app.sidecar.url, file, { default_region: 'IN' })).body;
    await page.getByRole('button', { name: 'Columns…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Columns and sheet' });
    await dialog.waitFor();
    const phone = dialog.getByLabel('Phone number column');
    assert.equal(await phone.locator('option').first().innerText(), `Detected: ${detected.columns.phone}`);
    assert.deepEqual(await dialog.locator('thead th').allInnerTexts(), detected.headers);
    const previewRows = await dialog.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(previewRows, detected.preview.map((cells) => detected.headers.map((_, i) => cells[i] ?? '')));
    const other = detected.headers.find((h) => h === 'Office');
    await phone.selectOption(other);
    await phone.press('Enter'); // Enter confirms the dialog
    await dialog.waitFor({ state: 'hidden' });
    const remapped = (await uploadViaApi(app.sidecar.url, file, { default_region: 'IN', phone_column: other })).body;
    await page.getByTestId('import-message').filter({ hasText: `numbers from “${other}”` }).waitFor();
    assert.deepEqual(await readSummary(page), cardsOf(remapped.summary));
    assert.notDeepEqual(cardsOf(remapped.summary), cardsOf(detected.summary), 'precondition: the column matters');
    await assertCleanPage(app.browser);
  });

  test('Esc closes the column dialog without changing anything', async () => {
    const { page } = app.browser;
    await importThroughUi(path.join(app.inputs, 'two_phones.csv'), 'pick');
    const importId = await shownImportId(page);
    await page.getByRole('button', { name: 'Columns…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Columns and sheet' });
    await dialog.getByLabel('Phone number column').selectOption('Office');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await shownImportId(page), importId);
  });

  test('the sheet picker of a workbook switches sheets', async () => {
    const { page } = app.browser;
    const file = path.join(app.inputs, 'contacts.xlsx');
    await importThroughUi(file, 'pick');
    const first = (await uploadViaApi(app.sidecar.url, file, { default_region: 'IN' })).body;
    await page.getByRole('button', { name: 'Columns…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Columns and sheet' });
    const sheet = dialog.getByLabel('Sheet');
    assert.deepEqual(await sheet.locator('option').allInnerTexts(), first.sheets);
    const other = first.sheets.find((s) => s !== first.sheet);
    const second = (await uploadViaApi(app.sidecar.url, file, { default_region: 'IN', sheet: other })).body;
    await sheet.selectOption(other);
    await page.waitForFunction((headers) =>
      [...document.querySelectorAll('dialog thead th')].map((th) => th.textContent).join('|') === headers,
    second.headers.join('|'));
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('import-message').filter({ hasText: `sheet “${other}”` }).waitFor();
    assert.deepEqual(await readSummary(page), cardsOf(second.summary));
    await assertCleanPage(app.browser);
  });

  test('a file that is not a contact list gives a readable error and no results', async () => {
    const { page } = app.browser;
    const file = path.join(app.inputs, 'photo.png');
    await openApp(page, app.sidecar.url);
    await pickFile(page, file);
    const expected = await uploadViaApi(app.sidecar.url, file);
    assert.ok(expected.status >= 400 && expected.status < 500, 'the sidecar refuses it with a 4xx');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /could not be imported/);
    assert.ok((await alert.innerText()).includes(expected.body.error));
    assert.equal(await alert.locator('[data-error-code]').getAttribute('data-error-code'), expected.body.code);
    await goTo(page, 'Results');
    await page.getByText('No list imported yet').waitFor();
    await assertCleanPage(app.browser);
  });
});
