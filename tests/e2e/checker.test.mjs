/** Number checker, theme, keyboard use of the country selector, and the empty state. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { validateViaApi } from './support/api.mjs';
import { launchBrowser } from './support/browser.mjs';
import { startSidecar } from './support/sidecar.mjs';
import { assertCleanPage, chooseCountry, goTo, openApp } from './support/ui.mjs';

let sidecar;
let browser;

before(async () => {
  sidecar = await startSidecar();
  browser = await launchBrowser({ colorScheme: 'light' });
});

after(async () => {
  await browser?.close();
  await sidecar?.stop();
});

/** Check NUMBER on the checker screen with COUNTRY as default; return the shown facts. */
async function check(page, country, number) {
  await goTo(page, 'Number checker');
  await chooseCountry(page, 'Default country', country);
  await page.getByLabel('Phone number').fill(number);
  await page.getByLabel('Phone number').press('Enter');
  await page.getByTestId('check-result').filter({ hasText: `“${number}”` }).waitFor();
}

/** The value shown for one fact of the checker ('E.164', 'National', ...). */
function fact(page, name) {
  return page.locator(`[data-fact="${name}"]`).innerText();
}

describe('number checker', () => {
  test('a valid number is shown in E.164, national and international format with region and type', async () => {
    const { page } = browser;
    await openApp(page, sidecar.url);
    await check(page, 'United States', '(415) 555-2671');
    const expected = await validateViaApi(sidecar.url, '(415) 555-2671', 'US');
    assert.equal(expected.valid, true);
    assert.match(await page.getByTestId('check-result').innerText(), /Valid number/);
    assert.equal(await fact(page, 'E.164'), expected.e164);
    assert.equal(await fact(page, 'National'), expected.national);
    assert.equal(await fact(page, 'International'), expected.international);
    assert.match(await fact(page, 'Region'), new RegExp(`\\(${expected.region}\\)$`));
    assert.equal((await fact(page, 'Type')).toLowerCase(), expected.type.replace(/_/g, ' '));
    await assertCleanPage(browser);
  });

  test('an invalid number says why', async () => {
    const { page } = browser;
    await openApp(page, sidecar.url);
    await check(page, 'India', '12345');
    const expected = await validateViaApi(sidecar.url, '12345', 'IN');
    assert.equal(expected.valid, false);
    assert.equal(await page.getByTestId('check-reason').innerText(), expected.message);
    await assertCleanPage(browser);
  });
});

describe('look and keyboard', () => {
  test('the theme toggle switches to dark and the choice survives a reload', async () => {
    const { page } = browser;
    await openApp(page, sidecar.url);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const dark = await background();
    assert.notEqual(dark, light);
    await page.reload();
    await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
    assert.equal(await background(), dark);
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    assert.equal(await background(), light);
    await assertCleanPage(browser);
  });

  test('the system dark preference is followed until the user chooses', async () => {
    const { page } = browser;
    await openApp(page, sidecar.url);
    await page.evaluate(() => localStorage.removeItem('bulkmsg.theme'));
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(await page.evaluate(() => document.documentElement.hasAttribute('data-theme')), false);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Switch to dark theme' }).waitFor();
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), dark);
  });

  test('the country selector is searchable and usable with the keyboard alone, and remembered', async () => {
    const { page } = browser;
    await openApp(page, sidecar.url);
    await page.keyboard.press('Tab'); // skip link
    let guard = 0;
    while (!(await page.evaluate(() => document.activeElement?.getAttribute('role') === 'combobox')) && guard < 15) {
      await page.keyboard.press('Tab');
      guard += 1;
    }
    const box = page.getByRole('combobox', { name: 'Default country' });
    assert.ok(await box.evaluate((el) => el === document.activeElement), 'Tab reaches the country selector');
    await page.keyboard.type('germ');
    const options = page.getByRole('option');
    assert.equal(await options.first().locator('span').first().innerText(), 'Germany');
    await page.keyboard.press('Escape');
    assert.equal(await options.count(), 0, 'Esc closes the list');
    await page.keyboard.type('+49');
    await page.keyboard.press('Enter');
    assert.equal(await box.inputValue(), 'Germany (+49)');
    assert.equal(await page.evaluate(() => localStorage.getItem('bulkmsg.defaultRegion')), 'DE');
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[role=combobox]')?.value === 'Germany (+49)');
    await assertCleanPage(browser);
  });

  test('before any import, Results explains what to do', async () => {
    const { page } = browser;
    await openApp(page, sidecar.url);
    await goTo(page, 'Results');
    await page.getByText('No list imported yet').waitFor();
    await page.getByRole('button', { name: 'Import contacts' }).click();
    await page.getByRole('heading', { name: 'Import contacts' }).waitFor();
  });
});
