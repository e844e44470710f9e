/** Reading picked files and downloading sidecar responses into files, against the real sidecar. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { downloadToFile, readPickedFile } from '../../electron/src/electron/fileTransfer';
import { Sidecar } from '../../electron/src/electron/sidecar';
import { realSidecarOptions, tempDir } from './helpers';

let sidecar: Sidecar;

before(async () => {
  sidecar = new Sidecar(await realSidecarOptions());
  await sidecar.start();
});

after(async () => {
  await sidecar.stop();
});

describe('downloadToFile', () => {
  test('writes the response body to the chosen file', async () => {
    const target = path.join(tempDir(), 'health.json');
    await downloadToFile(`${sidecar.baseUrl}/health`, target);
    assert.equal(JSON.parse(fs.readFileSync(target, 'utf8')).service, 'bulkmsg-sidecar');
  });

  test("a sidecar error is reported with its message and leaves no file behind", async () => {
    const dir = tempDir();
    const target = path.join(dir, 'missing.csv');
    await assert.rejects(downloadToFile(`${sidecar.baseUrl}/imports/imp_nope/export?what=contacts&format=csv`, target), /refused the download/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('an unreachable sidecar rejects and leaves no file behind', async () => {
    const dir = tempDir();
    await assert.rejects(downloadToFile('http://127.0.0.1:1/health', path.join(dir, 'x')), /ECONNREFUSED/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});

describe('readPickedFile', () => {
  test('returns the name and exactly the bytes of the file', async () => {
    const file = path.join(tempDir(), 'list.csv');
    fs.writeFileSync(file, 'name,phone\nMeera,+919876543210\n');
    const picked = await readPickedFile(file);
    assert.equal(picked.name, 'list.csv');
    assert.equal(Buffer.from(picked.data).toString('utf8'), 'name,phone\nMeera,+919876543210\n');
  });

  test('refuses a file over the limit without reading it', async () => {
    const file = path.join(tempDir(), 'big.csv');
    fs.writeFileSync(file, Buffer.alloc(2048));
    await assert.rejects(readPickedFile(file, 1024), /limit/);
  });
});
