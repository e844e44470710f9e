// Start Baileys with a fresh session and no network; report time to the first outcome and memory.
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const t0 = performance.now();
const baileys = require('baileys');
const pino = require('pino');
const loaded = performance.now() - t0;
const { state } = await baileys.useMultiFileAuthState(process.argv[2]);
const sock = baileys.default({ auth: state, logger: pino({ level: 'silent' }) });
sock.ev.on('connection.update', (u) => {
  if (u.connection === 'close') {
    console.log(JSON.stringify({ engine: 'baileys', import_s: loaded / 1000, first_outcome_s: (performance.now() - t0) / 1000,
      rss_mb: process.memoryUsage().rss / 2 ** 20, chosen_ids: typeof baileys.generateMessageIDV2 === 'function',
      outcome: String(u.lastDisconnect?.error?.message).slice(0, 80) }));
    process.exit(0);
  }
});
