/** The small pure pieces: log ring, error page, IPC payload cleaning, app URLs, health classification. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { resolveAppUrls } from '../../electron/src/electron/appConfig';
import { errorPageHtml, toDataUrl } from '../../electron/src/electron/errorPage';
import { classifyHealth } from '../../electron/src/electron/health';
import { safeFileName, sanitizeFilters, toUiStatus } from '../../electron/src/electron/ipcPayloads';
import { LogRing } from '../../electron/src/electron/logRing';

describe('LogRing', () => {
  test('joins chunks into lines and keeps only the last N', () => {
    const ring = new LogRing(3);
    ring.push('one\ntw');
    ring.push('o\r\nthree\nfour\nfi');
    assert.deepEqual(ring.snapshot(), ['three', 'four', 'fi']);
    ring.push('ve\n');
    assert.deepEqual(ring.snapshot(), ['three', 'four', 'five']);
  });
});

describe('error page', () => {
  test('shows the message and the log lines, escaped, with no script allowed', () => {
    const html = errorPageHtml({ title: 'Sidecar failed', message: 'Port 5034 <busy>', logLines: ['a & b', '<script>x</script>'] });
    assert.match(html, /Port 5034 &#60;busy&#62;/);
    assert.match(html, /a &#38; b\n&#60;script&#62;x&#60;\/script&#62;/);
    assert.match(html, /Last 2 lines from the sidecar/);
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /default-src 'none'/);
  });

  test('loads from a data: URL that decodes back to the page', () => {
    const html = errorPageHtml({ title: 'T', message: 'M #1 100%' });
    const url = toDataUrl(html);
    assert.ok(url.startsWith('data:text/html;charset=utf-8,'));
    assert.equal(decodeURIComponent(url.slice(url.indexOf(',') + 1)), html);
  });
});

describe('IPC payloads', () => {
  test('status goes to the UI as exactly {state, message?}', () => {
    assert.deepEqual(toUiStatus({ state: 'ready', restarts: 2, pid: 10 }), { state: 'ready' });
    assert.deepEqual(toUiStatus({ state: 'restarting', restarts: 1, message: 'm' }), { state: 'restarting', message: 'm' });
  });

  test('filters from the renderer keep only well-formed entries', () => {
    assert.deepEqual(
      sanitizeFilters([{ name: 'Lists', extensions: ['csv', 'xlsx', '../x', 5] }, { name: 3 }, null, { name: 'None', extensions: [] }]),
      [{ name: 'Lists', extensions: ['csv', 'xlsx'] }],
    );
    assert.deepEqual(sanitizeFilters('csv'), []);
  });

  test('suggested names lose folders and forbidden characters', () => {
    assert.equal(safeFileName('../../etc/passwd'), 'passwd');
    assert.equal(safeFileName('C:\\Users\\x\\contacts.csv'), 'contacts.csv');
    assert.equal(safeFileName('a:b*c?.csv'), 'a_b_c_.csv');
    assert.equal(safeFileName('..'), 'export');
    assert.equal(safeFileName(undefined), 'export');
  });
});

describe('app URLs', () => {
  test('packaged: UI and API on the sidecar origin, port 5034', () => {
    assert.deepEqual(resolveAppUrls(true, { BULKMSG_PORT: '9999' }), {
      port: 5034,
      sidecarBase: 'http://127.0.0.1:5034',
      appUrl: 'http://127.0.0.1:5034/',
      appOrigin: 'http://127.0.0.1:5034',
    });
  });

  test('development: the Vite dev server, sidecar port overridable', () => {
    assert.deepEqual(resolveAppUrls(false, { BULKMSG_PORT: '6100' }), {
      port: 6100,
      sidecarBase: 'http://127.0.0.1:6100',
      appUrl: 'http://127.0.0.1:5173/',
      appOrigin: 'http://127.0.0.1:5173',
      devServerOrigin: 'http://127.0.0.1:5173',
    });
  });
});

describe('health classification', () => {
  test('ours only with service bulkmsg-sidecar and status healthy on a 200', () => {
    assert.deepEqual(classifyHealth(200, '{"status":"healthy","version":"0.1.0","service":"bulkmsg-sidecar"}'), { kind: 'ours', version: '0.1.0' });
    assert.equal(classifyHealth(200, '{"status":"healthy"}').kind, 'foreign');
    assert.equal(classifyHealth(503, '{"status":"healthy","service":"bulkmsg-sidecar"}').kind, 'foreign');
    assert.equal(classifyHealth(200, '<html>hello</html>').kind, 'foreign');
  });
});
