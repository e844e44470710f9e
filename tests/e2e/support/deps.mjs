/**
 * npm packages for the tests. They are installed in electron/node_modules (the app's one package.json),
 * which Node does not search from tests/e2e/, so resolve them from there.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO } from './paths.mjs';

const requireFromApp = createRequire(path.join(REPO, 'electron', 'package.json'));

export const { chromium } = requireFromApp('playwright-core');
export const { unzipSync, strFromU8 } = requireFromApp('fflate');
/** axe-core's source, evaluated in a page to audit it (through the DevTools protocol, so the page's CSP allows it). */
export const AXE_SOURCE = readFileSync(requireFromApp.resolve('axe-core/axe.min.js'), 'utf8');
