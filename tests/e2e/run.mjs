/**
 * `npm run test:e2e`: typecheck and build the UI into a private temp directory, then run every
 * tests/e2e/*.test.mjs with the sidecar serving that build. A private build keeps a run immune to
 * someone rebuilding electron/dist/renderer in the same working tree meanwhile.
 *
 * Screenshots go to the git-ignored build/screenshots; with --update-screenshots (`npm run screenshots`)
 * they replace the README's copies in docs/screenshots.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DOCS_SCREENSHOT_DIR, REPO } from './support/paths.mjs';

const ELECTRON_DIR = path.join(REPO, 'electron');
const BIN = path.join(ELECTRON_DIR, 'node_modules', '.bin');

/** Run a command in electron/, inheriting the terminal; its exit status. */
function run(command, args, env = process.env) {
  return spawnSync(command, args, { cwd: ELECTRON_DIR, stdio: 'inherit', env }).status ?? 1;
}

/** Typecheck, build into UI_DIR, run the tests against it; the first failing step's status. */
function buildAndTest(uiDir, files, env) {
  const steps = [
    () => run(path.join(BIN, 'tsc'), ['-p', 'tsconfig.ui.json', '--noEmit']),
    () => run(path.join(BIN, 'vite'), ['build', '--outDir', uiDir, '--emptyOutDir', '--logLevel', 'warn']),
    () => run(process.execPath, ['--test', '--test-concurrency=1', ...(files.length ? files : [path.join(REPO, 'tests', 'e2e')])],
      { ...env, BULKMSG_UI_DIR: uiDir }),
  ];
  for (const step of steps) {
    const status = step();
    if (status !== 0) return status;
  }
  return 0;
}

const UPDATE = '--update-screenshots';
const args = process.argv.slice(2);
const env = args.includes(UPDATE) ? { ...process.env, BULKMSG_SCREENSHOT_DIR: DOCS_SCREENSHOT_DIR } : process.env;
const uiDir = mkdtempSync(path.join(os.tmpdir(), 'bulkmsg-e2e-ui-'));
let status = 1;
try {
  status = buildAndTest(uiDir, args.filter((a) => a !== UPDATE).map((f) => path.resolve(f)), env);
} finally {
  rmSync(uiDir, { recursive: true, force: true });
}
process.exit(status);
