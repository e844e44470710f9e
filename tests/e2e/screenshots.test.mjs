/** Screenshots of the main screens in light and dark, for the README (docs/screenshots/). */
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { launchBrowser } from './support/browser.mjs';
import { SCREENSHOT_DIR } from './support/paths.mjs';
import { useApp } from './support/setup.mjs';
import { assertCleanPage, chooseCountry, goTo, openApp, pickFile, waitForResults } from './support/ui.mjs';

const app = useApp({ inputs: true, browser: false, prepare: () => mkdir(SCREENSHOT_DIR, { recursive: true }) });

/** Save a screenshot and check it was written. */
async function shoot(page, name) {
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  assert.ok((await stat(file)).size > 10_000, `${name}.png has content`);
}

for (const theme of ['light', 'dark']) {
  test(`screenshots of the main screens (${theme})`, async () => {
    const browser = await launchBrowser({ colorScheme: theme });
    const { page } = browser;
    try {
      await openApp(page, app.sidecar.url);
      await chooseCountry(page, 'Default country', 'India');
      await page.getByRole('heading', { name: 'Import contacts' }).click(); // close the list, keep the focus off it
      await shoot(page, `import-${theme}`);
      await pickFile(page, path.join(app.inputs, 'contacts.xlsx'));
      await waitForResults(page, 'contacts.xlsx');
      await page.getByTestId('summary-invalid').click();
      await page.waitForSelector('[data-testid=rows-scroll] .row--invalid');
      await shoot(page, `results-${theme}`);
      await page.getByRole('button', { name: 'Columns…' }).click();
      await page.getByRole('dialog').waitFor();
      await shoot(page, `columns-${theme}`);
      await page.keyboard.press('Escape');
      await goTo(page, 'Number checker');
      await page.getByLabel('Phone number').fill('+44 20 7946 0958');
      await page.getByLabel('Phone number').press('Enter');
      await page.getByTestId('check-result').waitFor();
      await shoot(page, `checker-${theme}`);
      await goTo(page, 'Import');
      await pickFile(page, path.join(app.inputs, 'photo.png'));
      await page.getByRole('alert').waitFor();
      await shoot(page, `error-${theme}`);
      await assertCleanPage(browser);
    } finally {
      await browser.close();
    }
  });
}
