/**
 * A small SMTP server on loopback for the browser tests (RFC 5321 without TLS: the channel's security is 'none';
 * AUTH PLAIN, RFC 4616, with one known login). It records every message it accepts: { from, to: [...], data,
 * login } with the raw message text and the user who logged in (null without a login).
 */
import net from 'node:net';

/** Start the server; resolves to { port, messages, stop() }. */
export async function startSmtpServer({ username = 'mailer', password = 's3cret-pw' } = {}) {
  const messages = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let envelope = { from: null, to: [] };
    let data = null; // the DATA lines while a message is being received
    let login = null;
    const reply = (line) => socket.write(`${line}\r\n`);
    const command = (line) => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') reply(verb === 'EHLO' ? '250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME' : '250 localhost');
      else if (verb === 'AUTH') {
        const [, user, pass] = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8').split('\0');
        if (user === username && pass === password) { login = user; reply('235 2.7.0 Authentication successful'); }
        else reply('535 5.7.8 Authentication credentials invalid');
      }
      else if (verb === 'MAIL') { envelope = { from: /<([^>]*)>/.exec(line)?.[1] ?? '', to: [] }; reply('250 OK'); }
      else if (verb === 'RCPT') { envelope.to.push(/<([^>]*)>/.exec(line)?.[1] ?? ''); reply('250 OK'); }
      else if (verb === 'DATA') { data = []; reply('354 End data with <CR><LF>.<CR><LF>'); }
      else if (verb === 'RSET') { envelope = { from: null, to: [] }; reply('250 OK'); }
      else if (verb === 'NOOP') reply('250 OK');
      else if (verb === 'QUIT') { reply('221 Bye'); socket.end(); }
      else reply('502 Command not implemented');
    };
    socket.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data === null) command(line);
        else if (line === '.') {
          messages.push({ ...envelope, data: data.join('\r\n'), login });
          data = null;
          reply('250 OK: queued');
        } else data.push(line.startsWith('..') ? line.slice(1) : line);
      }
    });
    socket.on('error', () => {});
    reply('220 localhost ESMTP test server');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    username,
    password,
    messages,
    stop: () => new Promise((resolve) => { sockets.forEach((s) => s.destroy()); server.close(() => resolve()); }),
  };
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
