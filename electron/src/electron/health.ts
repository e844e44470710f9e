import http from 'node:http';
import net from 'node:net';

/** The value of `service` in our sidecar's /health answer. */
export const SIDECAR_SERVICE = 'bulkmsg-sidecar';

/** What answered (or did not) on the sidecar's port. */
export type HealthResult =
  | { kind: 'ours'; version: string }
  | { kind: 'foreign'; detail: string }
  | { kind: 'down' };

/** What the port looks like before we start: free, or held by someone. */
export type PortState = { kind: 'free' } | Exclude<HealthResult, { kind: 'down' }>;

/** GET url once and classify the answer; a refused or timed-out connection is 'down'. */
export function checkHealth(url: string, timeoutMs = 1000): Promise<HealthResult> {
  return new Promise((resolve) => {
    // agent:false: a fresh connection each poll, so no keep-alive socket outlives the sidecar.
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(classifyHealth(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', () => resolve({ kind: 'down' }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ kind: 'down' }));
  });
}

/** A 200 with service == bulkmsg-sidecar is ours; any other HTTP answer is another program. */
export function classifyHealth(status: number, body: string): HealthResult {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: some other program.
  }
  const record = (parsed ?? {}) as Record<string, unknown>;
  if (status === 200 && record.service === SIDECAR_SERVICE && record.status === 'healthy') {
    return { kind: 'ours', version: String(record.version ?? '') };
  }
  return { kind: 'foreign', detail: `HTTP ${status}` };
}

/** Whether we could bind host:port right now (the same test the sidecar's own bind will face). */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port }, () => server.close(() => resolve(true)));
  });
}

/** Who holds the port: free, our sidecar, or something else (an HTTP server or any other listener). */
export async function probePort(bindHost: string, port: number, probeHost = '127.0.0.1'): Promise<PortState> {
  if (await canBind(bindHost, port)) return { kind: 'free' };
  const health = await checkHealth(`http://${probeHost}:${port}/health`);
  if (health.kind === 'down') return { kind: 'foreign', detail: 'a program that does not speak HTTP' };
  return health;
}
