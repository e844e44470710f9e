/**
 * The storage banner: when the sidecar cannot write its data, GET /health says so and the UI shows
 * the sidecar's message in a banner. The disk is a real, small tmpfs (mounted here, as root) filled to the brim.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startSidecar } from './support/sidecar.mjs';
import { useApp } from './support/setup.mjs';
import { assertCleanPage, openApp } from './support/ui.mjs';

const app = useApp({ sidecar: false });
const disk = mountSmallDisk();

/** A fresh 24 MB tmpfs: { dir } or { skip: why not } (mounting needs root). */
function mountSmallDisk() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulkmsg-e2e-disk-'));
  const done = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir], { encoding: 'utf8' });
  if (done.status === 0) return { dir };
  rmSync(dir, { recursive: true, force: true });
  return { skip: `cannot mount a tmpfs here: ${(done.stderr || done.error?.message || '').trim()}` };
}

after(() => {
  if (!disk.dir) return;
  spawnSync('umount', ['-l', disk.dir]);
  rmSync(disk.dir, { recursive: true, force: true });
});

/** Write zeros into DIR until the disk has no byte left. */
function fillDisk(dir) {
  const fd = openSync(path.join(dir, 'filler.bin'), 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1 << 9, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        assert.equal(err.code, 'ENOSPC');
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** /health's storage state. */
async function storageOf(sidecar) {
  return (await (await fetch(`${sidecar.url}/health`)).json()).storage;
}

test('no banner while the sidecar can write; a full disk shows the sidecar\'s own message', { skip: disk.skip }, async () => {
  const { page } = app.browser;
  const dataDir = path.join(disk.dir ?? '', 'data');
  let sidecar = await startSidecar({ dataDir });
  try {
    assert.equal((await storageOf(sidecar)).state, 'ok');
    await openApp(page, sidecar.url);
    assert.equal(await page.getByTestId('storage-banner').count(), 0, 'no banner while storage is fine');
  } finally {
    await sidecar.stop();
  }
  fillDisk(disk.dir);
  sidecar = await startSidecar({ dataDir });
  try {
    const storage = await storageOf(sidecar);
    assert.notEqual(storage.state, 'ok', 'the sidecar knows it cannot write');
    await openApp(page, sidecar.url);
    const banner = page.getByTestId('storage-banner');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.equal(await banner.getAttribute('data-state'), storage.state);
    assert.equal((await banner.innerText()).trim(), storage.message);
    await assertCleanPage(app.browser);
  } finally {
    await sidecar.stop();
  }
});
