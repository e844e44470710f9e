// The WhatsApp Web engine: one linked device (Baileys) behind a small HTTP API on 127.0.0.1, for the sidecar.
//
// The sidecar starts one engine per linked channel, reads the port from the first stdout line, and talks to it
// with a bearer secret. The engine exits when its stdin closes (the sidecar holds the other end, so a killed
// sidecar takes its engines with it). It never logs message texts, full numbers or session data.
// API: see README.md in this folder.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

import { jidOf, numberOfJid, ackStatus, incomingText, sendErrorOf, disconnectReason } from './mapping.mjs';

const require = createRequire(import.meta.url);
const baileys = require('baileys');
const pino = require('pino');

const SESSION_DIR = requiredEnv('WA_SESSION_DIR');
const SECRET = requiredEnv('WA_SECRET');
const FAKE_SERVER = process.env.WA_FAKE_SERVER || '';
const MAX_EVENTS = 10_000;
const MAX_WAIT_S = 25;
const MAX_BODY = 64 * 1024;
const MAX_CHECK = 50;
const BACKOFF_MAX_MS = 60_000;

process.umask(0o077); // session files hold the device's keys: owner-only, whatever the caller's umask
const logger = pino({ level: process.env.WA_LOG_LEVEL || 'silent' }, pino.destination(2));

const events = [];
let seq = 0;
let waiters = [];
let socket = null;
let generation = 0;
let backoffMs = 1000;
let reconnectTimer = null;
const state = { status: 'starting', qr: null, qr_seq: 0, pairing_code: null, me: null, reason: null, since: Date.now() };

/** The value of environment variable NAME, or exit with a clear message. */
function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`wa-engine: ${name} is required\n`);
    process.exit(2);
  }
  return value;
}

/** Append an event and wake the long-polls waiting for it. */
function emit(type, fields) {
  seq += 1;
  events.push({ seq, type, ts: Date.now(), ...fields });
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
  const woken = waiters;
  waiters = [];
  for (const wake of woken) wake();
}

/** Change the state (only the fields given) and report it as an event. */
function setState(fields) {
  const changed = Object.entries(fields).some(([key, value]) => state[key] !== value);
  if (!changed) return;
  Object.assign(state, fields, { since: Date.now() });
  emit('state', { state: { ...state } });
}

/** makeWASocket from Baileys, or the scripted fake of its socket when a test names a fake server. */
async function socketFactory() {
  if (!FAKE_SERVER) return baileys.default;
  const fake = await import('./fake-socket.mjs');
  return fake.makeFakeSocket(FAKE_SERVER);
}

/** Make the session folder owner-only (it may predate this process's umask). */
function secureSessionDir() {
  fs.mkdirSync(SESSION_DIR, { recursive: true, mode: 0o700 });
  fs.chmodSync(SESSION_DIR, 0o700);
  for (const name of fs.readdirSync(SESSION_DIR)) fs.chmodSync(path.join(SESSION_DIR, name), 0o600);
}

/** Delete the session files (logged out or unlinked): the next start shows a new QR code. */
function deleteSession() {
  fs.rmSync(SESSION_DIR, { recursive: true, force: true });
}

/** Start (or restart) the socket on the stored session. */
async function connect() {
  generation += 1;
  const mine = generation;
  secureSessionDir();
  const { state: auth, saveCreds } = await baileys.useMultiFileAuthState(SESSION_DIR);
  const makeSocket = await socketFactory();
  setState({ status: 'starting', reason: null });
  const sock = makeSocket({
    auth,
    logger,
    printQRInTerminal: false,
    browser: baileys.Browsers.appropriate('Desktop'),
    markOnlineOnConnect: false,
    syncFullHistory: false,
    generateHighQualityLinkPreview: false,
    getMessage: async () => undefined,
  });
  socket = sock;
  // A save still in flight when the phone logs the device out must not bring the deleted folder back.
  sock.ev.on('creds.update', async () => {
    if (mine !== generation) return;
    try {
      await saveCreds();
    } catch {
      return; // the folder went away under the write (logged out or unlinked)
    }
    if (mine === generation) secureSessionDir();
  });
  sock.ev.on('connection.update', (update) => mine === generation && onConnectionUpdate(sock, update));
  sock.ev.on('messages.update', (updates) => mine === generation && onMessageUpdates(updates));
  sock.ev.on('messages.upsert', (upsert) => mine === generation && onUpsert(upsert));
}

/** QR codes, open, close: the state the user sees, and reconnection. */
function onConnectionUpdate(sock, update) {
  if (update.qr) {
    setState({ status: 'waiting_for_scan', qr: update.qr, qr_seq: state.qr_seq + 1 });
  }
  if (update.connection === 'open') {
    backoffMs = 1000;
    const user = sock.user || {};
    setState({ status: 'connected', qr: null, pairing_code: null, reason: null,
      me: { number: '+' + numberOfJid(user.id), jid: jidOf(numberOfJid(user.id)), push_name: user.name || '' } });
  }
  if (update.connection === 'close') onClose(update.lastDisconnect?.error);
}

/** The connection closed: logged out (delete the session), a restart the protocol asks for, or a retry. */
function onClose(error) {
  const { code, reason } = disconnectReason(error);
  socket = null;
  if (code === baileys.DisconnectReason.loggedOut) {
    generation += 1; // the old socket's late events (a credentials save) belong to no session now
    deleteSession();
    setState({ status: 'logged_out', qr: null, pairing_code: null, me: null, reason });
    return;
  }
  if (code === baileys.DisconnectReason.restartRequired) {
    scheduleReconnect(0);
    return;
  }
  setState({ status: 'disconnected', qr: null, reason });
  scheduleReconnect(backoffMs);
  backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
}

/** Reconnect after DELAY ms (one timer at a time). */
function scheduleReconnect(delay) {
  clearTimeout(reconnectTimer);
  reconnectTimer = setTimeout(() => connect().catch(fail), delay);
}

/** Per-message acks of our own messages: delivered, read, played, error. */
function onMessageUpdates(updates) {
  for (const { key, update } of updates) {
    if (!key?.fromMe || update?.status === undefined || update.status === null) continue;
    const status = ackStatus(update.status);
    if (!status) continue;
    const error = status === 'error' ? String(update.messageStubParameters?.[0] ?? 'error') : null;
    emit('ack', { message_id: key.id, jid: key.remoteJid, status, error });
  }
}

/** Messages others wrote to the linked account (replies, opt-outs). */
function onUpsert({ messages, type }) {
  if (type !== 'notify') return;
  for (const message of messages || []) {
    if (message.key?.fromMe || !message.key?.remoteJid?.endsWith('@s.whatsapp.net')) continue;
    emit('incoming', { message_id: message.key.id, jid: message.key.remoteJid,
      number: '+' + numberOfJid(message.key.remoteJid), text: incomingText(message.message), push_name: message.pushName || '' });
  }
}

/** The connected socket, or an HTTP error answer. */
function connectedSocket() {
  if (state.status === 'logged_out') throw httpError(409, 'logged_out', 'The phone logged this device out; link it again.');
  if (state.status !== 'connected' || !socket) throw httpError(409, 'not_connected', `WhatsApp is not connected (${state.status}).`);
  return socket;
}

/** An Error carrying an HTTP status and the API's error body. */
function httpError(status, code, message, extra = {}) {
  return Object.assign(new Error(message), { http: status, body: { error: { code, message, status: null, retry_after: null, ...extra } } });
}

/** POST /check: which numbers have WhatsApp, with the canonical id the server returns. */
async function check(body) {
  const numbers = body.numbers;
  if (!Array.isArray(numbers) || numbers.length === 0 || numbers.length > MAX_CHECK || !numbers.every((n) => typeof n === 'string' && /^\+?\d{5,16}$/.test(n))) {
    throw httpError(400, 'bad_request', `'numbers' must be 1 to ${MAX_CHECK} numbers in international format.`);
  }
  const sock = connectedSocket();
  // One query per number: a batch answer lists only the numbers that exist, by their canonical id, which
  // may differ from the number asked (Brazil's ninth digit), so it cannot be matched back reliably.
  const results = await Promise.all(numbers.map(async (number) => {
    const [found] = (await sock.onWhatsApp(number.replace('+', ''))) || [];
    return { number, exists: Boolean(found?.exists), jid: found?.exists ? found.jid : null };
  }));
  return { results };
}

/** POST /send: typing presence, then the message with the id the sidecar chose. */
async function send(body) {
  const { jid, message_id: messageId, text, attachment, typing_seconds: typing } = body;
  if (typeof jid !== 'string' || !jid.endsWith('@s.whatsapp.net') || typeof messageId !== 'string' || !/^[0-9A-F]{8,40}$/.test(messageId) || typeof text !== 'string') {
    throw httpError(400, 'bad_request', "'jid', 'message_id' (upper-case hex) and 'text' are required.");
  }
  const content = attachment ? mediaContent(attachment, text) : { text };
  const sock = connectedSocket();
  try {
    if (typing > 0) {
      await sock.sendPresenceUpdate('composing', jid);
      await new Promise((resolve) => setTimeout(resolve, Math.min(typing, 30) * 1000));
      await sock.sendPresenceUpdate('paused', jid);
    }
    await sock.sendMessage(jid, content, { messageId });
  } catch (err) {
    const mapped = sendErrorOf(err);
    throw httpError(mapped.http, mapped.code, mapped.message, { status: mapped.status, retry_after: mapped.retry_after });
  }
  emit('ack', { message_id: messageId, jid, status: 'server', error: null });
  return { message_id: messageId, ts: Date.now() };
}

/** Baileys content for an attachment with the rendered text as its caption (refused when unreadable). */
function mediaContent(attachment, caption) {
  const { path: file, mime, file_name: fileName, kind } = attachment || {};
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw httpError(400, 'attachment_unreadable', 'The attachment cannot be read.');
  }
  if (kind === 'image') return { image: { url: file }, caption, mimetype: mime };
  if (kind === 'document') return { document: { url: file }, caption, mimetype: mime, fileName };
  throw httpError(400, 'bad_request', "'attachment.kind' must be image or document.");
}

/** POST /pair-phone: an 8-character code to type on the phone instead of scanning the QR. */
async function pairPhone(body) {
  const digits = String(body.number || '').replace(/[^\d]/g, '');
  if (!/^\d{6,15}$/.test(digits)) throw httpError(400, 'bad_request', "'number' must be the phone's number in international format.");
  if (state.status === 'connected') throw httpError(409, 'already_connected', 'This device is already linked.');
  if (!socket) throw httpError(409, 'not_ready', 'The engine is still starting; try again in a moment.');
  const code = await socket.requestPairingCode(digits);
  setState({ pairing_code: code });
  return { code };
}

/** POST /logout: unlink the device and forget the session. */
async function logout() {
  const sock = socket;
  generation += 1; // events of the old socket no longer count
  socket = null;
  clearTimeout(reconnectTimer);
  try {
    if (sock) await sock.logout();
  } catch (err) {
    logger.warn({ err: String(err) }, 'logout failed; removing the session anyway');
  }
  sock?.end?.(undefined);
  deleteSession();
  setState({ status: 'logged_out', qr: null, pairing_code: null, me: null, reason: 'unlinked from this app' });
  return { ok: true };
}

/** GET /events: long-poll for events after a sequence number. */
async function eventsAfter(url) {
  const after = Number(url.searchParams.get('after') || 0);
  const wait = Math.min(Number(url.searchParams.get('wait') || 0), MAX_WAIT_S);
  if (!(seq > after) && wait > 0) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, wait * 1000);
      waiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }
  return { events: events.filter((e) => e.seq > after), last: seq };
}

const ROUTES = {
  'GET /health': async () => ({ ok: true, state: { ...state } }),
  'GET /events': (_body, url) => eventsAfter(url),
  'POST /check': check,
  'POST /send': send,
  'POST /pair-phone': pairPhone,
  'POST /logout': logout,
  'POST /shutdown': async () => { setTimeout(() => shutdown(0), 50); return { ok: true }; },
};

/** Read a JSON body of at most MAX_BODY bytes. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(httpError(413, 'too_large', 'The request body is too large.'));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!chunks.length) return resolve({});
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch { reject(httpError(400, 'bad_request', 'The body is not JSON.')); }
    });
    req.on('error', reject);
  });
}

/** One request: check the secret, route, answer JSON. */
async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  let status = 200;
  let answer;
  try {
    if (req.headers.authorization !== `Bearer ${SECRET}`) throw httpError(401, 'unauthorized', 'Missing or wrong engine secret.');
    const route = ROUTES[`${req.method} ${url.pathname}`];
    if (!route) throw httpError(404, 'not_found', 'No such endpoint.');
    const body = req.method === 'POST' ? await readBody(req) : {};
    answer = await route(body && typeof body === 'object' ? body : {}, url);
  } catch (err) {
    status = err.http || 500;
    answer = err.body || { error: { code: 'engine_error', message: String(err.message || err).slice(0, 300), status: null, retry_after: null } };
  }
  const payload = JSON.stringify(answer);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** Close the socket (keeping the session) and exit. */
function shutdown(code) {
  try { socket?.end?.(undefined); } catch { /* exiting anyway */ }
  process.exit(code);
}

/** An unexpected failure while (re)connecting: report it and try again later. */
function fail(err) {
  setState({ status: 'disconnected', reason: `engine error: ${String(err?.message || err).slice(0, 200)}` });
  scheduleReconnect(backoffMs);
  backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
}

const server = http.createServer((req, res) => { handle(req, res); });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  connect().catch(fail);
});
process.stdin.on('end', () => shutdown(0));
process.stdin.on('error', () => shutdown(0));
process.stdin.resume();
process.on('SIGTERM', () => shutdown(0));
process.on('unhandledRejection', (err) => logger.error({ err: String(err) }, 'unhandled rejection'));
