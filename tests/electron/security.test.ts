/** Window security: pinned webPreferences, CSP, navigation rules, the IPC sender check. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import {
  buildWebPreferences,
  contentSecurityPolicy,
  guardSender,
  isNavigationAllowed,
  isTrustedSender,
  sidecarUrlForPath,
  type IpcSenderInfo,
} from '../../electron/src/electron/security';
import { metaPolicyText } from '../../electron/src/electron/csp';
import { Sidecar } from '../../electron/src/electron/sidecar';
import { REPO, realSidecarOptions, tempDir } from './helpers';

const APP = 'http://127.0.0.1:5034';
const WINDOW = { webContentsId: 7, appOrigin: APP };

/** An IPC event as Electron would describe it. */
function event(senderId: number, url: string, parent: unknown = null): IpcSenderInfo {
  return { sender: { id: senderId }, senderFrame: { url, parent } };
}

describe('webPreferences', () => {
  test('are exactly the locked-down set', () => {
    assert.deepEqual(buildWebPreferences('/app/preload.cjs'), {
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
  });
});

describe('Content-Security-Policy header', () => {
  test('in production is exactly the header the sidecar sends with its UI page (one policy: sidecar/csp.json)', async () => {
    const uiDir = tempDir('bulkmsg-csp-ui-');
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>t</title>');
    const sidecar = new Sidecar(await realSidecarOptions({ env: { BULKMSG_UI_DIR: uiDir } }));
    try {
      await sidecar.start();
      const response = await fetch(`${sidecar.baseUrl}/`);
      assert.equal(response.status, 200);
      assert.equal(contentSecurityPolicy(), response.headers.get('content-security-policy'));
    } finally {
      await sidecar.stop();
      fs.rmSync(uiDir, { recursive: true, force: true });
    }
  });

  test("the page's meta tag is filled from the same policy, without the header-only frame-ancestors", () => {
    const html = fs.readFileSync(path.join(REPO, 'electron', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    assert.equal(meta?.[1], '__BULKMSG_CSP__', 'index.html holds no copy of the policy, only the placeholder Vite fills');
    const header = contentSecurityPolicy().split('; ');
    assert.deepEqual(metaPolicyText().split('; '), header.filter((rule) => !rule.startsWith('frame-ancestors ')));
    assert.ok(header.includes("frame-ancestors 'none'"));
  });

  test('in production allows no inline script, eval or outside origin', () => {
    const csp = contentSecurityPolicy();
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:/);
    assert.match(csp, /object-src 'none'/);
  });

  test('in development adds only what the Vite dev server needs', () => {
    const csp = contentSecurityPolicy('http://127.0.0.1:5173');
    assert.match(csp, /script-src 'self' 'unsafe-inline'/);
    assert.match(csp, /style-src 'self' 'unsafe-inline'/);
    assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:5173/);
    assert.doesNotMatch(csp, /unsafe-eval/);
  });
});

describe('navigation', () => {
  test('stays within the app origin', () => {
    assert.equal(isNavigationAllowed(`${APP}/imports/1`, APP), true);
    assert.equal(isNavigationAllowed('https://example.com/', APP), false);
    assert.equal(isNavigationAllowed('http://127.0.0.1:5035/', APP), false);
    assert.equal(isNavigationAllowed('http://localhost:5034/', APP), false);
    assert.equal(isNavigationAllowed('file:///etc/passwd', APP), false);
    assert.equal(isNavigationAllowed('data:text/html,hi', APP), false);
    assert.equal(isNavigationAllowed('javascript:alert(1)', APP), false);
    assert.equal(isNavigationAllowed('not a url', APP), false);
  });
});

describe('IPC sender check', () => {
  test('trusts only the app window top frame on the app origin', () => {
    assert.equal(isTrustedSender(event(7, `${APP}/`), WINDOW), true);
    assert.equal(isTrustedSender(event(8, `${APP}/`), WINDOW), false, 'another webContents');
    assert.equal(isTrustedSender(event(7, 'https://evil.example/'), WINDOW), false, 'another origin');
    assert.equal(isTrustedSender(event(7, 'data:text/html,x'), WINDOW), false, 'the error page');
    assert.equal(isTrustedSender(event(7, `${APP}/`, { url: APP }), WINDOW), false, 'a sub-frame');
    assert.equal(isTrustedSender({ sender: { id: 7 }, senderFrame: null }, WINDOW), false, 'a destroyed frame');
    assert.equal(isTrustedSender(event(7, `${APP}/`), null), false, 'no window yet');
  });

  test('guardSender runs the handler for the app and refuses anyone else without running it', () => {
    const calls: string[] = [];
    const guarded = guardSender(() => WINDOW, (_e: IpcSenderInfo, name: string) => {
      calls.push(name);
      return `hello ${name}`;
    });
    assert.equal(guarded(event(7, `${APP}/`), 'app'), 'hello app');
    assert.throws(() => guarded(event(7, 'https://evil.example/'), 'evil'), /refused/);
    assert.throws(() => guarded(event(9, `${APP}/`), 'other window'), /refused/);
    assert.deepEqual(calls, ['app']);
  });
});

describe('save-file URLs', () => {
  test('only same-origin paths of the sidecar are downloaded', () => {
    assert.equal(sidecarUrlForPath('/imports/imp_1/export?what=contacts&format=csv', APP), `${APP}/imports/imp_1/export?what=contacts&format=csv`);
    assert.equal(sidecarUrlForPath('https://evil.example/x', APP), null);
    assert.equal(sidecarUrlForPath('//evil.example/x', APP), null);
    assert.equal(sidecarUrlForPath('/\\evil.example/x', APP), null);
    assert.equal(sidecarUrlForPath('file:///etc/passwd', APP), null);
    assert.equal(sidecarUrlForPath('imports/relative', APP), null);
    assert.equal(sidecarUrlForPath(42, APP), null);
  });
});
