/** Direct HTTP calls to the sidecar: what the UI is expected to show comes from here, not from constants. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** POST /upload of a file on disk, as the UI would send it. */
export async function uploadViaApi(url, filePath, fields = {}) {
  const form = new FormData();
  form.append('file', new Blob([await readFile(filePath)]), path.basename(filePath));
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const response = await fetch(`${url}/upload?limit=0`, { method: 'POST', body: form });
  return { status: response.status, body: await response.json() };
}

/** Every row of an import under a status filter, paged like the UI pages them. */
export async function allRows(url, importId, status = 'all', q = '') {
  const rows = [];
  for (let offset = 0; ; offset += 5000) {
    const params = new URLSearchParams({ status, q, offset: String(offset), limit: '5000' });
    const page = await (await fetch(`${url}/imports/${importId}/rows?${params}`)).json();
    rows.push(...page.rows);
    if (rows.length >= page.total) return rows;
  }
}

/** GET /imports/<id> */
export async function importInfo(url, importId) {
  return (await fetch(`${url}/imports/${importId}`)).json();
}

/** POST /validate-number */
export async function validateViaApi(url, number, region) {
  const response = await fetch(`${url}/validate-number`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ number, default_region: region }),
  });
  return response.json();
}
