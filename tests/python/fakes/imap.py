"""A real (minimal) IMAP4rev1 server on loopback: what Python's imaplib needs of RFC 3501 to log in, open a folder
and read messages by UID. Plain text only (the security mode 'none'); it records the commands it received."""
import re
import socket
import socketserver
import threading

CAPABILITIES = "IMAP4rev1 AUTH=PLAIN"


class QuietTcpServer(socketserver.ThreadingTCPServer):
    """Daemon threads; clients that vanish mid-session are not printed."""

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        """Ignore resets, timeouts and broken pipes; print anything else as usual."""
        import sys
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeImap:
    """IMAP on 127.0.0.1:<free port> with one user and one folder of messages (UIDs 1, 2, ... in order added)."""

    def __init__(self, user="bounces@example.com", password="imap-s3cret", folder="INBOX", uidvalidity=1000):
        self.user, self.password, self.folder = user, password, folder
        self.uidvalidity = uidvalidity    # a test may change it (the server "rebuilt" the folder)
        self.fail_login = False           # every LOGIN answered NO
        self.bad_commands = set()         # command names (e.g. "UID SEARCH") answered BAD, for protocol errors
        self.messages = []                # [(uid, raw bytes)]
        self.next_uid = 1
        self.seen = set()                 # UIDs flagged \Seen by a non-peeking fetch in a read-write session
        self.fetched_uids = []
        self.commands = []                # command names in the order received ("LOGIN", "EXAMINE", "UID FETCH")
        self.logouts = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(ImapSession):
            server_state = fake

        self.server = QuietTcpServer(("127.0.0.1", 0), Handler)
        # a short poll interval: shutdown() at the end of each test waits for it
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self):
        """The bound port."""
        return self.server.server_address[1]

    def add(self, raw):
        """Append one message (raw bytes); returns its UID."""
        with self.lock:
            uid, self.next_uid = self.next_uid, self.next_uid + 1
            self.messages.append((uid, bytes(raw)))
            return uid

    def record(self, name):
        """Keep a received command's name."""
        with self.lock:
            self.commands.append(name)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def tokens(text):
    """IMAP arguments: atoms, "quoted strings" and parenthesised lists kept whole."""
    return [t[1:-1].replace('\\"', '"').replace("\\\\", "\\") if t.startswith('"') else t
            for t in re.findall(r'"(?:[^"\\]|\\.)*"|\([^)]*\)|[^\s()]+', text)]


def uid_set(spec, uids):
    """The UIDs of UIDS in an IMAP sequence set such as '1:3,7,9:*' ('*' = the highest UID; a:b = b:a)."""
    top = max(uids, default=0)
    chosen = set()
    for item in spec.split(","):
        low, _, high = item.partition(":")
        low, high = (top if x == "*" else int(x) for x in (low, high or low))
        chosen.update(u for u in uids if min(low, high) <= u <= max(low, high))
    return sorted(chosen)


class ImapSession(socketserver.StreamRequestHandler):
    """One client connection: greeting, then one command per line until LOGOUT or EOF."""

    server_state = None
    timeout = 30  # a client that stops talking does not hold a thread forever

    def setup(self):
        """No Nagle delay: the answers are many small lines, and delayed ACKs would stall each one."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, line):
        """Write one response line (str or bytes) with CRLF."""
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self):
        """Greet, then answer commands."""
        self.user = self.selected = None
        self.readonly = True
        self.send("* OK [CAPABILITY %s] ready" % CAPABILITIES)
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            tag, _, rest = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
            words = rest.split(" ", 2)
            name = words[0].upper()
            if name == "UID" and len(words) > 1:
                name, args = "UID " + words[1].upper(), words[2] if len(words) > 2 else ""
            else:
                args = rest.partition(" ")[2]
            self.server_state.record(name)
            if self.answer(tag, name, args) == "bye":
                return

    def answer(self, tag, name, args):
        """Run one command; 'bye' ends the session."""
        fake = self.server_state
        if name in fake.bad_commands:
            return self.send("%s BAD %s refused by the test" % (tag, name))
        if name == "LOGOUT":
            with fake.lock:
                fake.logouts += 1
            self.send("* BYE logging out")
            self.send("%s OK LOGOUT completed" % tag)
            return "bye"
        if name == "CAPABILITY":
            self.send("* CAPABILITY %s" % CAPABILITIES)
            return self.send("%s OK CAPABILITY completed" % tag)
        if name == "NOOP":
            return self.send("%s OK NOOP completed" % tag)
        if name == "LOGIN":
            return self.login(tag, tokens(args))
        if self.user is None:
            return self.send("%s BAD %s not allowed before LOGIN" % (tag, name or "command"))
        if name in ("SELECT", "EXAMINE"):
            return self.select(tag, name, tokens(args))
        if name == "CLOSE" and self.selected:
            self.selected = None
            return self.send("%s OK CLOSE completed" % tag)
        if name == "UID SEARCH" and self.selected:
            return self.search(tag, args)
        if name == "UID FETCH" and self.selected:
            return self.fetch(tag, args)
        return self.send("%s BAD unknown or misplaced command %s" % (tag, name or "(none)"))

    def login(self, tag, args):
        """LOGIN user password."""
        fake = self.server_state
        if len(args) != 2:
            return self.send("%s BAD LOGIN needs a user and a password" % tag)
        if fake.fail_login or args != [fake.user, fake.password]:
            return self.send("%s NO [AUTHENTICATIONFAILED] Invalid credentials" % tag)
        self.user = args[0]
        return self.send("%s OK [CAPABILITY %s] LOGIN completed" % (tag, CAPABILITIES))

    def select(self, tag, name, args):
        """SELECT / EXAMINE the one folder (INBOX is case-insensitive, as RFC 3501 says)."""
        fake = self.server_state
        wanted = args[0] if args else ""
        if wanted != fake.folder and not (wanted.upper() == "INBOX" == fake.folder.upper()):
            self.selected = None
            return self.send("%s NO [NONEXISTENT] Unknown Mailbox: %s" % (tag, wanted))
        with fake.lock:
            count, uidnext, validity = len(fake.messages), fake.next_uid, fake.uidvalidity
        self.selected, self.readonly = wanted, name == "EXAMINE"
        self.send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)")
        self.send("* %d EXISTS" % count)
        self.send("* 0 RECENT")
        self.send("* OK [UIDVALIDITY %d] UIDs valid" % validity)
        self.send("* OK [UIDNEXT %d] Predicted next UID" % uidnext)
        mode = "READ-ONLY" if self.readonly else "READ-WRITE"
        return self.send("%s OK [%s] %s completed" % (tag, mode, name))

    def search(self, tag, args):
        """UID SEARCH ALL | UID <set>."""
        fake = self.server_state
        words = args.split()
        with fake.lock:
            uids = [uid for uid, _ in fake.messages]
        try:
            if [w.upper() for w in words] == ["ALL"]:
                found = uids
            elif len(words) == 2 and words[0].upper() == "UID":
                found = uid_set(words[1], uids)
            else:
                return self.send("%s BAD unsupported search %s" % (tag, args))
        except ValueError:
            return self.send("%s BAD bad UID set" % tag)
        self.send("* SEARCH" + "".join(" %d" % u for u in found))
        return self.send("%s OK UID SEARCH completed" % tag)

    def fetch(self, tag, args):
        """UID FETCH <set> with BODY.PEEK[], BODY[], RFC822 and/or UID."""
        fake = self.server_state
        spec, _, items = args.partition(" ")
        wanted = items.strip().strip("()").upper().split()
        if not wanted or any(w not in ("BODY.PEEK[]", "BODY[]", "RFC822", "UID") for w in wanted):
            return self.send("%s BAD unsupported fetch items %s" % (tag, items))
        with fake.lock:
            messages = list(fake.messages)
        try:
            chosen = set(uid_set(spec, [uid for uid, _ in messages]))
        except ValueError:
            return self.send("%s BAD bad UID set" % tag)
        for seq, (uid, raw) in enumerate(messages, 1):
            if uid in chosen:
                self.fetch_one(seq, uid, raw, wanted)
        return self.send("%s OK UID FETCH completed" % tag)

    def fetch_one(self, seq, uid, raw, wanted):
        """One '* n FETCH (UID u BODY[] {size}' literal answer; a non-peeking read-write fetch sets \\Seen."""
        fake = self.server_state
        with fake.lock:
            fake.fetched_uids.append(uid)
            if not self.readonly and ("BODY[]" in wanted or "RFC822" in wanted):
                fake.seen.add(uid)
        body_items = [w for w in wanted if w != "UID"]
        if not body_items:
            return self.send("* %d FETCH (UID %d)" % (seq, uid))
        label = "RFC822" if body_items[0] == "RFC822" else "BODY[]"
        self.send(b"* %d FETCH (UID %d %s {%d}" % (seq, uid, label.encode(), len(raw)))
        self.wfile.write(raw)
        self.send(b")")
