// Test only: a scripted stand-in for Baileys' socket, selected by WA_FAKE_SERVER (see engine.mjs).
//
// It offers the part of Baileys' socket the engine uses (ev, user, sendMessage, onWhatsApp, requestPairingCode,
// sendPresenceUpdate, logout, end) with Baileys' event shapes, and plays it against the fake WhatsApp server of
// the tests (tests/python/fakes/wa_web.py) over loopback HTTP. Everything above this boundary - the engine's
// state, acks, errors, session files - is the real engine code. The session is identified by a random id kept
// in the real auth state's creds, so it survives restarts and is gone after a logout, as a real link is.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';

/** An Error shaped like Baileys' Boom errors (output.statusCode, data). */
function boom(statusCode, message, data = {}) {
  return Object.assign(new Error(message), { isBoom: true, output: { statusCode }, data });
}

/** POST JSON to the fake server; the parsed answer. */
async function call(base, path, body) {
  const response = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return response.json();
}

/** makeWASocket's stand-in for the fake server at BASE. */
export function makeFakeSocket(base) {
  return function makeSocket({ auth }) {
    const ev = new EventEmitter();
    const creds = auth.creds;
    creds.fakeSessionId ||= crypto.randomBytes(12).toString('hex');
    const session = creds.fakeSessionId;
    const sock = { ev, user: undefined };
    let open = true;
    let connection = null;

    /** Apply one server event with Baileys' event names and shapes. */
    function apply(event) {
      if (event.type === 'qr') ev.emit('connection.update', { qr: event.qr });
      if (event.type === 'open') {
        creds.me = { id: event.jid, name: event.name };
        creds.registered = true;
        sock.user = { id: event.jid, name: event.name };
        ev.emit('creds.update', creds);
        ev.emit('connection.update', { connection: 'open' });
      }
      if (event.type === 'close') {
        open = false;
        ev.emit('connection.update', { connection: 'close', lastDisconnect: { error: boom(event.code, event.message) } });
      }
      if (event.type === 'ack') {
        const update = event.status === 0 ? { status: 0, messageStubParameters: [event.error || 'error'] } : { status: event.status };
        ev.emit('messages.update', [{ key: { remoteJid: event.jid, fromMe: true, id: event.id }, update }]);
      }
      if (event.type === 'incoming') {
        ev.emit('messages.upsert', { type: 'notify', messages: [{ key: { remoteJid: event.jid, fromMe: false, id: event.id },
          pushName: event.push_name, message: { conversation: event.text } }] });
      }
    }

    /** Long-poll the server for this connection's events until closed. */
    async function pump() {
      let after = -1; // -1: from what this session has not confirmed yet (acks queued while offline)
      while (open) {
        let answer;
        try {
          answer = await call(base, '/device/events', { session, connection, after, wait: 10 });
        } catch (err) {
          if (open) apply({ type: 'close', code: 408, message: `cannot reach the fake server: ${err.message}` });
          return;
        }
        for (const event of answer.events || []) {
          if (!open) return;
          apply(event);
        }
        after = answer.last;
      }
    }

    sock.sendMessage = async (jid, content, { messageId }) => {
      const attachment = content.image || content.document;
      const body = { session, connection, jid, id: messageId, text: content.text ?? content.caption ?? '' };
      if (attachment) {
        const stat = fs.statSync(attachment.url);
        body.attachment = { file_name: content.fileName || null, size: stat.size, mime: content.mimetype, kind: content.image ? 'image' : 'document' };
      }
      const answer = await call(base, '/device/send', body);
      if (answer.crash) process.kill(process.pid, 'SIGKILL'); // the scripted crash between send and ack
      if (answer.error) throw boom(answer.error.status, answer.error.message, { retry_after: answer.error.retry_after });
      return { key: { remoteJid: jid, fromMe: true, id: messageId } };
    };
    sock.onWhatsApp = async (number) => {
      const answer = await call(base, '/device/check', { session, number });
      if (answer.error) throw boom(answer.error.status, answer.error.message);
      return answer.exists ? [{ jid: answer.jid, exists: true }] : [];
    };
    sock.requestPairingCode = async (digits) => (await call(base, '/device/pair', { session, connection, number: digits })).code;
    sock.sendPresenceUpdate = async (type, jid) => { await call(base, '/device/presence', { session, jid, type }); };
    sock.logout = async () => { await call(base, '/device/logout', { session }); open = false; };
    sock.end = () => { open = false; };

    call(base, '/device/connect', { session })
      .then((answer) => { connection = answer.connection; return pump(); })
      .catch((err) => apply({ type: 'close', code: 408, message: `cannot reach the fake server: ${err.message}` }));
    return sock;
  };
}
