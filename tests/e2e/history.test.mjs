/**
 * Imports kept on disk, through the page: a restart of the sidecar loses nothing, an earlier import reopens on
 * Results and can be deleted, and Results saves its contacts as a list (or adds them to one) in a click.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { allRows, importInfo } from './support/api.mjs';
import { startSidecar } from './support/sidecar.mjs';
import { useApp } from './support/setup.mjs';
import {
  assertCleanPage, cardsOf, chooseCountry, goTo, openApp, pickFile, readSummary, shownImportId, waitForResults,
} from './support/ui.mjs';

const app = useApp({ inputs: true, sidecar: false });
let dataDir = null;
let sidecar = null;
after(async () => {
  await sidecar?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Import FILE of the test inputs through the page (default country India); its import id. */
async function importThroughPage(page, file) {
  await goTo(page, 'Import');
  await pickFile(page, path.join(app.inputs, file));
  await waitForResults(page, file);
  return shownImportId(page);
}

/** The rows of the Earlier imports table as [file name, import id]. */
async function historyRows(page) {
  const table = page.getByTestId('import-history');
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => [r.querySelector('th').textContent, r.dataset.importId]));
}

test('imports survive a restart: the history lists them, one reopens on Results, one is deleted', async () => {
  const { page } = app.browser;
  dataDir = await mkdtemp(path.join(tmpdir(), 'bulkmsg-history-'));
  sidecar = await startSidecar({ dataDir });
  await openApp(page, sidecar.url);
  await chooseCountry(page, 'Default country', 'India');
  const first = await importThroughPage(page, 'contacts.csv');
  await page.getByTestId('import-announcement').filter({ hasText: 'Import ready: contacts.csv.' }).waitFor({ state: 'attached' });
  const second = await importThroughPage(page, 'two_phones.csv');
  await sidecar.stop();

  sidecar = await startSidecar({ dataDir });
  await openApp(page, sidecar.url);
  assert.deepEqual(await historyRows(page), [['two_phones.csv', second], ['contacts.csv', first]], 'newest first');
  await page.getByRole('button', { name: 'Open contacts.csv' }).click();
  await waitForResults(page, 'contacts.csv');
  assert.equal(await shownImportId(page), first);
  const stored = await importInfo(sidecar.url, first);
  assert.deepEqual(await readSummary(page), cardsOf(stored.summary));
  assert.equal((await page.getByTestId('import-message').innerText()).split(' · ')[0], stored.message);

  await goTo(page, 'Import');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Delete two_phones.csv' }).click();
  await page.getByRole('button', { name: 'Delete two_phones.csv' }).waitFor({ state: 'detached' });
  assert.deepEqual(await historyRows(page), [['contacts.csv (on Results)', first]]);
  assert.equal((await fetch(`${sidecar.url}/imports/${second}`)).status, 404);
  await assertCleanPage(app.browser);
});

test('Results saves the contacts as a list in one click, and adds them to an existing one without duplicates', async () => {
  const { page } = app.browser;
  sidecar ??= await startSidecar();
  await openApp(page, sidecar.url);
  await chooseCountry(page, 'Default country', 'India');
  const importId = await importThroughPage(page, 'contacts.csv');
  const usable = (await (await fetch(`${sidecar.url}/imports/${importId}/contacts?limit=1`)).json()).total;
  await page.getByRole('button', { name: 'Save as list “contacts”' }).click();
  const status = page.getByTestId('save-list-status');
  await status.filter({ hasText: 'Saved as the list “contacts”' }).waitFor();
  const lists = (await (await fetch(`${sidecar.url}/lists`)).json()).lists;
  const saved = lists.find((l) => l.name === 'contacts');
  assert.ok(saved && saved.count >= usable, 'the list holds the import\'s contacts');
  assert.match(await status.innerText(), new RegExp(`with ${saved.count} contacts`));

  await importThroughPage(page, 'contacts.tsv');  // the first 150 rows of contacts.csv: all on the list already
  await page.getByRole('combobox', { name: 'Existing list' }).selectOption({ label: `contacts (${saved.count})` });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await status.filter({ hasText: 'Added 0 contacts to “contacts”' }).waitFor();
  const after = (await (await fetch(`${sidecar.url}/lists/${saved.id}`)).json());
  assert.equal((after.list ?? after).count, saved.count, 'nothing was added twice');
  const valid = await allRows(sidecar.url, await shownImportId(page), 'valid');
  assert.ok(valid.length > 0, 'precondition: the second file has valid numbers');
  await assertCleanPage(app.browser);
});
