/** Where things are, relative to this repository. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PYTHON = process.env.BULKMSG_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');
// run.mjs points this at a private build; by default, the app's own build.
export const UI_DIR = process.env.BULKMSG_UI_DIR ?? path.join(REPO, 'electron', 'dist', 'renderer');
// The README's copies. A test run keeps what it saw in the git-ignored build/screenshots instead, so running the
// tests never rewrites tracked files; `npm run screenshots` (run.mjs --update-screenshots) refreshes these.
export const DOCS_SCREENSHOT_DIR = path.join(REPO, 'docs', 'screenshots');
export const SCREENSHOT_DIR = process.env.BULKMSG_SCREENSHOT_DIR ?? path.join(REPO, 'build', 'screenshots');
export const CHROMIUM = process.env.BULKMSG_CHROMIUM ?? '/usr/bin/chromium';
