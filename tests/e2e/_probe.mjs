import { launchBrowser } from './support/browser.mjs';
import { startSidecar } from './support/sidecar.mjs';
const s = await startSidecar();
const b = await launchBrowser();
try {
  await b.page.goto(s.url + '/');
  await b.page.waitForTimeout(500);
  console.log('before', await b.cspViolations());
  await b.page.evaluate(() => { const el = document.createElement('script'); el.textContent = 'window.x=1'; document.body.append(el);
    const d = document.createElement('div'); d.setAttribute('style', 'color:red'); document.body.append(d); });
  await b.page.waitForTimeout(300);
  console.log('after', await b.cspViolations());
} finally { await b.close(); await s.stop(); }
