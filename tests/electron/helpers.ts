/** Shared helpers for the Electron main-process tests: real ports, real processes, real files. */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { Sidecar, type SidecarOptions, type SidecarStatus } from '../../electron/src/electron/sidecar';

export const REPO = path.resolve(__dirname, '..', '..');
export const PYTHON = path.join(REPO, '.venv', 'bin', 'python');
export const SIDECAR_SCRIPT = path.join(REPO, 'python-backend', 'app.py');

/** A port nothing listens on right now (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory, removed by the caller's cleanup. */
export function tempDir(prefix = 'bulkmsg-electron-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Options for a real Python sidecar on a free loopback port with its own data directory. */
export async function realSidecarOptions(overrides: Partial<SidecarOptions> = {}): Promise<SidecarOptions> {
  const port = overrides.port ?? (await freePort());
  const dataDir = tempDir('bulkmsg-sidecar-data-');
  return {
    command: PYTHON,
    args: Sidecar.buildLaunchArgs([SIDECAR_SCRIPT], { host: '127.0.0.1', port, dataDir }),
    port,
    bindHost: '127.0.0.1',
    cwd: REPO,
    ...overrides,
  };
}

/** Whether pid is a live process (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The pids whose parent is ppid (Linux /proc). */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** Poll until check() is true or fail after ms. */
export async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolve with the first status event matching state. */
export function nextStatus(sidecar: Sidecar, state: SidecarStatus['state'], ms = 60_000): Promise<SidecarStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${state}' status within ${ms} ms`)), ms);
    const onStatus = (status: SidecarStatus) => {
      if (status.state !== state) return;
      clearTimeout(timer);
      sidecar.off('status', onStatus);
      resolve(status);
    };
    sidecar.on('status', onStatus);
  });
}

/** GET a URL and return status and parsed JSON body. */
export function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      })
      .on('error', reject);
  });
}

/** An HTTP server on 127.0.0.1:port answering every request with status and body (another program on our port). */
export function startForeignHttpServer(port: number, status: number, body: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer((_req, res) => {
      res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(body);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A raw TCP listener that speaks no HTTP: it closes every connection at once. */
export function startSilentTcpServer(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Close a server and wait for it. */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
