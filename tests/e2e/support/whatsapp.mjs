/** The fake WhatsApp of the Python tests (tests/python/fakes/wa_web.py), run standalone for browser tests. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { PYTHON, REPO } from './paths.mjs';

const FAKE = path.join(REPO, 'tests', 'python', 'fakes', 'wa_web.py');

/** A running fake: { url, control(path, body), sent(), stop() }; it exits when its stdin closes. */
export async function startFakeWhatsApp({ qrInterval = 1 } = {}) {
  const child = spawn(PYTHON, [FAKE, '--qr-interval', String(qrInterval)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const firstLine = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fake WhatsApp exited with ${code}`)));
  });
  const { url } = JSON.parse(firstLine);
  const control = async (route, body = {}) => {
    const response = await fetch(`${url}/control/${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`fake WhatsApp /control/${route}: ${await response.text()}`);
    return response.json();
  };
  const sent = async () => (await (await fetch(`${url}/control/sent`)).json()).sent;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    await exited;
  };
  return { url, control, sent, stop };
}
