/**
 * The WhatsApp Business Cloud API side of the browser tests: a fake Graph API that accepts sends (the channel's
 * api_base points at it), and Meta's webhooks (inbound messages, delivery statuses) signed with the app secret
 * and posted to the sidecar the way Meta posts them.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';

export const PHONE_NUMBER_ID = '106540352242922';
export const APP_SECRET = 'app-secret-1';

/**
 * A running fake Graph API: { url, sent(), dropAnswers(on), stop() }. Every POST .../<phone_number_id>/messages
 * is recorded as { id, to, text, callback } (callback: the biz_opaque_callback_data Meta echoes in statuses) and
 * answered with a fresh wamid ('wamid.OUT<n>'), or, while answers are dropped, taken without an answer (the
 * connection breaks, as when a crash or a cut link loses it).
 */
export async function startFakeCloudApi() {
  const sent = [];
  let dropping = false;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => { raw += chunk; });
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url.endsWith(`/${PHONE_NUMBER_ID}/messages`)) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Unknown path', code: 100 } }));
        return;
      }
      const body = JSON.parse(raw);
      const id = `wamid.OUT${sent.length + 1}`;
      sent.push({ id, to: body.to, text: body.text?.body ?? null, callback: body.biz_opaque_callback_data ?? null });
      if (dropping) {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id }] }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    sent: () => [...sent],
    dropAnswers: (on) => { dropping = on; },
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Meta's envelope around one change value of our number. */
function envelope(value) {
  return { object: 'whatsapp_business_account', entry: [{ id: 'WABA_ID', changes: [{ field: 'messages', value: {
    messaging_product: 'whatsapp', metadata: { display_phone_number: '15550100000', phone_number_id: PHONE_NUMBER_ID },
    ...value } }] }] };
}

/** The webhook payload of one inbound text message FROM (digits, no '+') called NAME. */
export function inboundText({ from, name, id, body, timestamp = Math.floor(Date.now() / 1000) }) {
  return envelope({ contacts: [{ profile: { name }, wa_id: from }],
    messages: [{ from, id, timestamp: String(timestamp), type: 'text', text: { body } }] });
}

/** The webhook payload of one status ('sent', 'delivered', 'read', 'failed') of the sent message WAMID to TO,
 * echoing CALLBACK (the ledger row id the app sent as biz_opaque_callback_data) when given. */
export function statusUpdate({ wamid, to, status, callback, timestamp = Math.floor(Date.now() / 1000) }) {
  const entry = { id: wamid, status, timestamp: String(timestamp), recipient_id: to };
  if (callback) entry.biz_opaque_callback_data = callback;
  if (status === 'failed') {
    entry.errors = [{ code: 131026, title: 'Message undeliverable', error_data: { details: 'Receiver is incapable' } }];
  }
  return envelope({ statuses: [entry] });
}

/** POST PAYLOAD to the sidecar's webhook of CHANNEL_ID, signed as Meta signs it; the response. */
export async function postWebhook(sidecarUrl, channelId, payload, secret = APP_SECRET) {
  const raw = JSON.stringify(payload);
  const signature = createHmac('sha256', secret).update(raw).digest('hex');
  return fetch(`${sidecarUrl}/webhooks/whatsapp/${channelId}`, { method: 'POST', body: raw,
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': `sha256=${signature}` } });
}
