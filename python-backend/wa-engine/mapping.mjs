// Translations between Baileys' shapes and the engine API's plain words (pure functions, no I/O).

// WebMessageInfo.Status values Baileys reports for our own messages.
const ACK_STATUSES = { 0: 'error', 2: 'server', 3: 'delivered', 4: 'read', 5: 'played' };

// Disconnect codes (Baileys' DisconnectReason) in the words the user sees.
const DISCONNECT_WORDS = {
  401: 'logged out from the phone',
  403: 'WhatsApp refused this device (the account may be banned)',
  408: 'cannot connect to WhatsApp',
  411: 'multi-device mismatch; link the device again',
  428: 'connection closed',
  440: 'connection replaced: WhatsApp was opened on this account elsewhere',
  500: 'the stored session is damaged; link the device again',
  503: 'WhatsApp is unavailable right now',
  515: 'restart required',
};

/** The digits of a WhatsApp id ("4915...:12@s.whatsapp.net" -> "4915..."). */
export function numberOfJid(jid) {
  return String(jid || '').split('@')[0].split(':')[0];
}

/** The personal chat id of a number given as digits or +digits. */
export function jidOf(number) {
  return `${String(number).replace(/[^\d]/g, '')}@s.whatsapp.net`;
}

/** 'server' | 'delivered' | 'read' | 'played' | 'error' for a Baileys message status, else null. */
export function ackStatus(status) {
  return ACK_STATUSES[status] ?? null;
}

/** The text of an incoming message (plain, extended, or a media caption), or ''. */
export function incomingText(message) {
  if (!message) return '';
  return message.conversation || message.extendedTextMessage?.text || message.imageMessage?.caption
    || message.documentMessage?.caption || message.videoMessage?.caption || '';
}

/** {code, reason} of a socket close error. */
export function disconnectReason(error) {
  const code = error?.output?.statusCode ?? null;
  const words = DISCONNECT_WORDS[code] || 'disconnected';
  const detail = String(error?.message || '').replace(/\s+/g, ' ').slice(0, 160);
  return { code, reason: detail && !words.includes(detail) ? `${words} (${detail})` : words };
}

/** How a failed send answers the sidecar: {http, code, message, status, retry_after}. */
export function sendErrorOf(err) {
  const status = err?.output?.statusCode ?? err?.data?.status ?? null;
  const retryAfter = Number(err?.data?.retry_after) || null;
  const message = String(err?.message || err).slice(0, 300);
  if (status === 429 || status === 463) {
    return { http: 429, code: 'rate_limited', message: `WhatsApp limited this account (${status}): ${message}`, status, retry_after: retryAfter };
  }
  if (status === 408) return { http: 504, code: 'timeout', message: `No answer from WhatsApp in time: ${message}`, status, retry_after: null };
  if (status === 428) return { http: 409, code: 'not_connected', message: `The connection closed before sending: ${message}`, status, retry_after: null };
  if (status === 401) return { http: 409, code: 'logged_out', message: 'The phone logged this device out.', status, retry_after: null };
  return { http: 502, code: 'send_failed', message: `WhatsApp refused the message: ${message}`, status, retry_after: null };
}
