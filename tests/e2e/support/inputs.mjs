/** The test inputs, written once per test file into a temp dir by make_inputs.py. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './paths.mjs';

const MAKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'make_inputs.py');

/** Directory holding contacts.{csv,tsv,txt,xlsx,xls,vcf}, two_phones.csv, photo.png (and big.csv with bigRows). */
export function makeInputs({ bigRows = 0 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bulkmsg-e2e-inputs-'));
  const args = [MAKER, dir];
  if (bigRows) args.push('--big', String(bigRows));
  execFileSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}
