/** findSidecar(): the frozen binary when packaged, the venv Python and app.py in development. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { findSidecar } from '../../electron/src/electron/findSidecar';
import { SidecarError } from '../../electron/src/electron/sidecarError';
import { PYTHON, REPO, SIDECAR_SCRIPT, tempDir } from './helpers';

/** Create an empty file (and its folders). */
function touch(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
}

test('packaged on Linux: <resources>/sidecar/bulkmsg-sidecar, run from its own folder', () => {
  const resources = tempDir();
  touch(path.join(resources, 'sidecar', 'bulkmsg-sidecar'));
  const found = findSidecar({ isPackaged: true, resourcesPath: resources, appPath: '/unused', platform: 'linux' });
  assert.deepEqual(found, {
    kind: 'frozen',
    command: path.join(resources, 'sidecar', 'bulkmsg-sidecar'),
    entry: [],
    cwd: path.join(resources, 'sidecar'),
  });
});

test('packaged on Windows: the .exe', () => {
  const resources = tempDir();
  touch(path.join(resources, 'sidecar', 'bulkmsg-sidecar.exe'));
  const found = findSidecar({ isPackaged: true, resourcesPath: resources, appPath: '/unused', platform: 'win32' });
  assert.equal(found.command, path.join(resources, 'sidecar', 'bulkmsg-sidecar.exe'));
  assert.equal(found.kind, 'frozen');
});

test('packaged without the binary: sidecar_missing naming the path it looked for', () => {
  const resources = tempDir();
  assert.throws(
    () => findSidecar({ isPackaged: true, resourcesPath: resources, appPath: '/unused', platform: 'linux' }),
    (e: SidecarError) => e.code === 'sidecar_missing' && e.message.includes(path.join(resources, 'sidecar', 'bulkmsg-sidecar')),
  );
});

test('development in this checkout: the repo venv Python running python-backend/app.py', () => {
  const found = findSidecar({ isPackaged: false, resourcesPath: '/unused', appPath: path.join(REPO, 'electron'), platform: 'linux' });
  assert.deepEqual(found, { kind: 'python', command: PYTHON, entry: [SIDECAR_SCRIPT], cwd: REPO });
});

test('development on Windows: .venv\\Scripts\\python.exe', () => {
  const repo = tempDir();
  touch(path.join(repo, '.venv', 'Scripts', 'python.exe'));
  touch(path.join(repo, 'python-backend', 'app.py'));
  const found = findSidecar({ isPackaged: false, resourcesPath: '/unused', appPath: path.join(repo, 'electron'), platform: 'win32' });
  assert.equal(found.command, path.join(repo, '.venv', 'Scripts', 'python.exe'));
  assert.deepEqual(found.entry, [path.join(repo, 'python-backend', 'app.py')]);
});

test('development without a venv: sidecar_missing that says how to create it', () => {
  const repo = tempDir();
  touch(path.join(repo, 'python-backend', 'app.py'));
  assert.throws(
    () => findSidecar({ isPackaged: false, resourcesPath: '/unused', appPath: path.join(repo, 'electron'), platform: 'linux' }),
    (e: SidecarError) => e.code === 'sidecar_missing' && /python -m venv \.venv/.test(e.message),
  );
});

test('development with BULKMSG_PYTHON: that interpreter instead of the venv', () => {
  const found = findSidecar({
    isPackaged: false,
    resourcesPath: '/unused',
    appPath: path.join(REPO, 'electron'),
    platform: 'linux',
    pythonOverride: process.execPath,
  });
  assert.equal(found.command, process.execPath);
});
