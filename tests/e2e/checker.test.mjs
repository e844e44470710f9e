/** Number checker, theme, keyboard use of the country selector, and the empty state. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateViaApi } from './support/api.mjs';
import { useApp } from './support/setup.mjs';
import { assertCleanPage, chooseCountry, goTo, openApp } from './support/ui.mjs';

const app = useApp();

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
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await check(page, 'United States', '(415) 555-2671');
    const expected = await validateViaApi(app.sidecar.url, '(415) 555-2671', 'US');
    assert.equal(expected.valid, true);
    assert.match(await page.getByTestId('check-result').innerText(), /Valid number/);
    assert.equal(await fact(page, 'E.164'), expected.e164);
    assert.equal(await fact(page, 'National'), expected.national);
    assert.equal(await fact(page, 'International'), expected.international);
    assert.match(await fact(page, 'Region'), new RegExp(`\\(${expected.region}\\)$`));
    assert.equal((await fact(page, 'Type')).toLowerCase(), expected.type.replace(/_/g, ' '));
    await assertCleanPage(app.browser);
  });

  test('an invalid number says why', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await check(page, 'India', '12345');
    const expected = await validateViaApi(app.sidecar.url, '12345', 'IN');
    assert.equal(expected.valid, false);
    assert.equal(await page.getByTestId('check-reason').innerText(), expected.message);
    await assertCleanPage(app.browser);
  });
});

describe('look and keyboard', () => {
  test('the theme toggle switches to dark and the choice survives a reload', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
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
    await assertCleanPage(app.browser);
  });

  test('the system dark preference is followed until the user chooses', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
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
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
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
    await assertCleanPage(app.browser);
  });

  test('before any import, Results explains what to do', async () => {
    const { page } = app.browser;
    await openApp(page, app.sidecar.url);
    await goTo(page, 'Results');
    await page.getByText('No list imported yet').waitFor();
    await page.getByRole('button', { name: 'Import contacts' }).click();
    await page.getByRole('heading', { name: 'Import contacts' }).waitFor();
  });

  test("the page's CSP meta tag is the policy the sidecar sends, minus the header-only frame-ancestors", async () => {
    const { page } = app.browser;
    const response = await page.goto(`${app.sidecar.url}/`);
    const header = response.headers()['content-security-policy'].split('; ');
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.deepEqual(meta.split('; '), header.filter((rule) => !rule.startsWith('frame-ancestors ')));
    assert.ok(header.includes("frame-ancestors 'none'"));
  });
});
