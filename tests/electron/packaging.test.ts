/** The packaging configuration: electron-builder's own schema check, targets, and the paths it relies on. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { SIDECAR_BINARY_NAME, SIDECAR_RESOURCE_DIR } from '../../electron/src/electron/findSidecar';
import { REPO } from './helpers';

const ELECTRON_DIR = path.join(REPO, 'electron');
const requireFromApp = createRequire(path.join(ELECTRON_DIR, 'package.json'));

interface BuilderConfig {
  files: { filter: string[] }[];
  extraResources: { from: string; to: string }[];
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
  electronFuses: Record<string, boolean>;
}

let config: BuilderConfig;

before(async () => {
  const { getConfig, validateConfiguration } = requireFromApp('app-builder-lib/out/util/config/config');
  const { DebugLogger } = requireFromApp('builder-util');
  config = await getConfig(ELECTRON_DIR, null, null);
  // electron-builder's own JSON-schema validation: unknown or misplaced options throw.
  await validateConfiguration(config, new DebugLogger(false));
});

describe('electron-builder configuration', () => {
  test('targets AppImage and deb, NSIS, and dmg', () => {
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.deepEqual(config.win.target, ['nsis']);
    assert.deepEqual(config.mac.target, ['dmg']);
  });

  test('ships the frozen sidecar folder as resources/sidecar, where findSidecar() looks', () => {
    assert.deepEqual(
      config.extraResources.map(({ from, to }) => ({ from, to })),
      [{ from: `../build/sidecar-dist/${SIDECAR_BINARY_NAME}`, to: SIDECAR_RESOURCE_DIR }],
    );
    const script = fs.readFileSync(path.join(REPO, 'scripts', 'build-sidecar'), 'utf8');
    assert.match(script, /OUT="\$REPO\/build\/sidecar-dist"/, 'scripts/build-sidecar writes where extraResources reads');
  });

  test('turns off the Electron fuses an attacker could use', () => {
    assert.equal(config.electronFuses.runAsNode, false);
    assert.equal(config.electronFuses.enableNodeOptionsEnvironmentVariable, false);
    assert.equal(config.electronFuses.enableNodeCliInspectArguments, false);
    assert.equal(config.electronFuses.onlyLoadAppFromAsar, true);
  });

  test("packs the package's main entry", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ELECTRON_DIR, 'package.json'), 'utf8'));
    assert.equal(pkg.main, 'dist/electron/main.cjs');
    const patterns = config.files.flatMap((entry) => entry.filter);
    assert.ok(patterns.includes('dist/electron/**/*') && patterns.includes('package.json'));
  });
});

describe('main-process build', () => {
  test('esbuild emits main.cjs and a preload that needs nothing but electron (sandboxed preloads cannot require files)', () => {
    execFileSync('npm', ['run', '--silent', 'build:electron'], { cwd: ELECTRON_DIR, stdio: 'pipe' });
    const main = path.join(ELECTRON_DIR, 'dist', 'electron', 'main.cjs');
    const preload = fs.readFileSync(path.join(ELECTRON_DIR, 'dist', 'electron', 'preload.cjs'), 'utf8');
    assert.ok(fs.statSync(main).size > 0);
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(required)], ['electron']);
    assert.match(preload, /exposeInMainWorld\("bulkmsg"/);
  });
});
