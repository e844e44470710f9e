/** Start the real sidecar (python-backend/app.py) on a free loopback port, and stop it. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PYTHON, REPO, UI_DIR } from './paths.mjs';

const START_TIMEOUT_MS = 30_000;
// Another checkout of the sidecar can be tested with BULKMSG_SIDECAR_APP=/path/to/app.py.
const APP = process.env.BULKMSG_SIDECAR_APP ?? path.join(REPO, 'python-backend', 'app.py');

/** Resolve with the port once app.py prints "serving on http://HOST:PORT". */
function waitForPort(child) {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`sidecar did not start:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk) => {
      output += chunk;
      const match = /serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${code}:\n${output}`));
    });
  });
}

/** Poll GET /health until the sidecar says it is itself. */
async function waitHealthy(url) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const body = await (await fetch(`${url}/health`)).json();
      if (body.service === 'bulkmsg-sidecar') return body;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sidecar never became healthy');
}

/**
 * A running sidecar: { url, dataDir, stop(), kill() }. Port 0 (the default) lets the OS pick a free port. Without DATA_DIR it gets a
 * fresh one, removed by stop(); a given one is the caller's and is kept.
 */
export async function startSidecar({ dataDir: given, env = {}, port = 0 } = {}) {
  const dataDir = given ?? await mkdtemp(path.join(os.tmpdir(), 'bulkmsg-e2e-data-'));
  const child = spawn(PYTHON, [APP, '--host', '127.0.0.1', '--port', String(port),
    '--data-dir', dataDir], { env: { ...process.env, BULKMSG_UI_DIR: UI_DIR, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    if (!given) await rm(dataDir, { recursive: true, force: true });
  };
  let url;
  try {
    url = `http://127.0.0.1:${await waitForPort(child)}`;
    await waitHealthy(url);
  } catch (err) {
    await stop(); // a sidecar that failed to start leaves no process and no temp dir behind
    throw err;
  }
  /** SIGKILL, as a crash: the data directory is kept (a restart on it serves the same data). */
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  return { url, dataDir, stop, kill };
}
