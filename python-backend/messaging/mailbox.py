"""The email channel's mailbox read over IMAP: new mails since a cursor, each classified as a bounce (DSN), an
unsubscribe request, a reply, or ignored. Plain stdlib; no Flask, no database."""
import email
import email.message
import email.parser
import email.policy
import email.utils
import html
import imaplib
import re
import ssl
from dataclasses import dataclass, field

MAX_MESSAGES = 500
MAX_BODY = 20_000
FAILURE_SUBJECTS = ("undelivered mail returned to sender", "delivery status notification (failure)",
                    "mail delivery failed", "undeliverable:")
DAEMONS = ("mailer-daemon", "postmaster")
RETURNED = ("text/rfc822-headers", "message/rfc822")
QUOTE_HEAD = re.compile(r"^\s*(On|Am|Le|El)\b.*\b(wrote|schrieb|a écrit|escribió)\s*:\s*$", re.I)
CUT_LINE = re.compile(r"^\s*(-{3,}\s*Original Message\s*-{3,}|_{20,})\s*$", re.I)
STATUS = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")
HEADERS = email.parser.HeaderParser(policy=email.policy.default)


class MailboxError(Exception):
    """The mailbox could not be read; CODE is stable (imap_connect, imap_auth, imap_folder, imap_protocol)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class MailboxConfig:
    """Where the mailbox is and how to log in; security is 'ssl', 'starttls' or 'none' (loopback only)."""
    host: str
    port: int
    security: str
    user: str
    password: str
    folder: str = "INBOX"
    timeout: float = 20.0


@dataclass
class Bounce:
    """One recipient block of a delivery status notification; message_id is the returned mail's Message-ID."""
    message_id: str | None
    recipient: str | None
    action: str
    status: str | None
    diagnostic: str | None
    ts: float | None


@dataclass
class Unsubscribe:
    """A mailto: List-Unsubscribe request from ADDRESS."""
    address: str
    ts: float | None


@dataclass
class Reply:
    """A person's answer, its quoted part removed."""
    address: str
    name: str | None
    body: str
    message_id: str | None
    in_reply_to: str | None
    references: list = field(default_factory=list)
    ts: float | None = None


@dataclass
class Ignored:
    """A mail that is none of the above (auto-reply, read receipt, unparseable...)."""
    reason: str


def fetch_new(config, cursor, max_messages=MAX_MESSAGES):
    """Classified items of the mails after CURSOR (oldest first, at most MAX_MESSAGES) and the new cursor."""
    conn = connect(config)
    try:
        login(conn, config)
        validity = examine(conn, config.folder)
        last = int(cursor.get("last_uid") or 0) if cursor and cursor.get("uidvalidity") == validity else 0
        items = []
        for uid in new_uids(conn, last)[:max_messages]:
            raw = fetch_one(conn, uid)
            if raw is not None:
                items.extend(classify(raw))
            last = uid
        return items, {"uidvalidity": validity, "last_uid": last}
    except imaplib.IMAP4.error as err:
        raise MailboxError("imap_protocol", scrub("IMAP error: %s" % text_of(err), config.password)) from None
    except OSError as err:
        raise MailboxError("imap_connect", "lost the connection to %s:%s: %s" % (config.host, port_of(config),
                                                                                 reason(err))) from None
    finally:
        close(conn)


def connect(config):
    """An IMAP connection (TLS unless security is 'none'), or MailboxError imap_connect / imap_protocol."""
    if config.security not in ("ssl", "starttls", "none"):
        raise ValueError("security must be 'ssl', 'starttls' or 'none'")
    conn, port = None, port_of(config)
    try:
        if config.security == "ssl":
            return imaplib.IMAP4_SSL(config.host, port, ssl_context=ssl.create_default_context(),
                                     timeout=config.timeout)
        conn = imaplib.IMAP4(config.host, port, timeout=config.timeout)
        if config.security == "starttls":
            conn.starttls(ssl.create_default_context())
        return conn
    except OSError as err:
        close(conn)
        raise MailboxError("imap_connect", "cannot connect to %s:%s: %s" % (config.host, port, reason(err))) from None
    except imaplib.IMAP4.error as err:
        what = "STARTTLS failed" if conn is not None else "not an IMAP server"  # conn is set once greeted
        close(conn)
        raise MailboxError("imap_protocol", "%s:%s: %s: %s" % (config.host, port, what, text_of(err))) from None


def login(conn, config):
    """LOGIN, or MailboxError imap_auth with the server's words (never the password)."""
    try:
        conn.login(config.user, config.password)
    except UnicodeEncodeError:
        # imaplib sends LOGIN as ASCII; a non-ASCII password cannot be sent this way at all
        raise MailboxError("imap_auth", "the user name or password has non-ASCII characters") from None
    except imaplib.IMAP4.error as err:
        raise MailboxError("imap_auth", scrub("login refused: %s" % text_of(err), config.password)) from None


def examine(conn, folder):
    """Open FOLDER read-only (EXAMINE: the user's \\Seen flags stay as they are); its UIDVALIDITY or None."""
    typ, data = conn.select(quote(folder), readonly=True)
    if typ != "OK":
        raise MailboxError("imap_folder", "cannot open folder %r: %s" % (folder, text_of(data)))
    values = conn.response("UIDVALIDITY")[1]
    try:
        return int(values[-1])
    except (TypeError, ValueError, IndexError):
        return None  # a server without UIDVALIDITY: the cursor then only ever grows


def new_uids(conn, last):
    """UIDs above LAST, ascending."""
    typ, data = conn.uid("SEARCH", "UID", "%d:*" % (last + 1))
    if typ != "OK":
        raise imaplib.IMAP4.error("UID SEARCH failed: %s" % text_of(data))
    words = b" ".join(d for d in data if isinstance(d, bytes)).split()
    # 'n:*' with n above the highest UID still matches the highest one (RFC 3501 ranges are unordered)
    return sorted(u for u in {int(w) for w in words if w.isdigit()} if u > last)


def fetch_one(conn, uid):
    """The raw bytes of message UID, or None when it vanished meanwhile (expunged)."""
    typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        raise imaplib.IMAP4.error("UID FETCH %d failed: %s" % (uid, text_of(data)))
    bodies = [part for part in data or () if isinstance(part, tuple) and len(part) == 2]
    # unsolicited FETCH answers about other messages may come along; prefer the one naming this UID
    mine = [body for head, body in bodies if re.search(rb"\bUID %d\b" % uid, head)]
    return (mine or [body for _, body in bodies] or [None])[0]


def close(conn):
    """LOGOUT, or at least drop the socket; never raises."""
    try:
        conn is not None and conn.logout()
    except Exception:  # a dead or confused connection: dropping the socket is all that is left to do
        try:
            conn.shutdown()
        except Exception:
            pass


def port_of(config):
    """The configured port, or the standard one of the security mode."""
    return config.port or (993 if config.security == "ssl" else 143)


def quote(folder):
    """FOLDER as an IMAP string when it needs quoting (imaplib sends arguments as they are)."""
    if re.fullmatch(r"[A-Za-z0-9_./-]+", folder or ""):
        return folder
    return '"%s"' % folder.replace("\\", "\\\\").replace('"', '\\"')


def text_of(value):
    """Server words (bytes, lists, exceptions) as one readable string."""
    if isinstance(value, BaseException):
        value = value.args[0] if value.args else str(value)
    if isinstance(value, (list, tuple)):
        return " ".join(text_of(v) for v in value if v is not None)
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def reason(err):
    """An OS error in plain words."""
    if isinstance(err, TimeoutError):
        return "no answer (timed out)"
    return err.strerror or str(err) or type(err).__name__


def scrub(message, password):
    """MESSAGE with the password blanked out, should a server ever echo it."""
    return message.replace(password, "***") if password else message


def classify(raw):
    """The items of one raw mail: Bounces, an Unsubscribe, a Reply, or Ignored; never raises."""
    try:
        msg = email.message_from_bytes(bytes(raw or b""), policy=email.policy.default)
        return classify_message(msg)
    except Exception as err:  # any input at all must come back as an item, never as a crash of the poll
        return [Ignored("unparseable: %s" % type(err).__name__)]


def classify_message(msg):
    """classify() of a parsed message."""
    if not msg.keys():
        return [Ignored("no headers")]
    bounces = bounces_of(msg)
    if bounces:
        return bounces
    address, name = sender(msg)
    if msg.get_content_type() == "multipart/report":
        return [Ignored("report (%s)" % msg.get_param("report-type", "?"))]
    if not address:
        return [Ignored("no sender address")]
    if address.split("@")[0] in DAEMONS:
        return [Ignored("mail system message")]
    if header(msg, "Subject").strip().casefold().startswith("unsubscribe"):
        return [Unsubscribe(address, timestamp(msg))]
    if automatic(msg):
        return [Ignored("auto-generated")]
    refs = re.findall(r"<[^<>\s]+>", header(msg, "References"))
    return [Reply(address, name, body_of(msg), header(msg, "Message-ID").strip() or None,
                  header(msg, "In-Reply-To").strip() or None, refs, timestamp(msg))]


def bounces_of(msg):
    """Bounces of a DSN (one per recipient block), or of a well-known non-standard failure report; else []."""
    parts = list(msg.walk())
    returned = returned_message(next((p for p in parts if p.get_content_type() in RETURNED), None))
    message_id, ts = header(returned, "Message-ID").strip() or None, timestamp(msg)
    status_part = next((p for p in parts if p.get_content_type() == "message/delivery-status"), None)
    found = [Bounce(message_id, *fields, ts) for fields in recipient_blocks(status_part)]
    if found or returned is None or not header(msg, "Subject").strip().casefold().startswith(FAILURE_SUBJECTS):
        return found
    if msg.get_content_type() != "multipart/report" and sender(msg)[0].split("@")[0] not in DAEMONS:
        return []  # a person forwarding a mail as an attachment, not a mail system
    text = next((p for p in parts if p.get_content_type() == "text/plain"), None)
    diagnostic = " ".join(content(text).split())[:500] if text is not None else ""
    recipient = address_of(header(msg, "X-Failed-Recipients").split(",")[0]) or address_of(header(returned, "To"))
    return [Bounce(message_id, recipient, "failed", "5.0.0", diagnostic or None, ts)]


def recipient_blocks(part):
    """(recipient, action, status, diagnostic) of each per-recipient block of a message/delivery-status part."""
    if part is None:
        return []
    blocks = part.get_payload()
    if not isinstance(blocks, list):  # an unparsed body: its blocks are header groups split by blank lines
        blocks = [HEADERS.parsestr(b) for b in content(part).replace("\r\n", "\n").split("\n\n")]
    out = []
    for block in blocks:
        recipient = header(block, "Final-Recipient") or header(block, "Original-Recipient")
        action = header(block, "Action").strip().lower()
        if not recipient and not action:
            continue  # the per-message block (Reporting-MTA, Arrival-Date)
        status = STATUS.search(header(block, "Status"))
        out.append((address_of(recipient.split(";")[-1]), action or "failed", status and status.group(0),
                    " ".join(header(block, "Diagnostic-Code").split(";", 1)[-1].split()) or None))
    return out


def returned_message(part):
    """The returned mail (whole, or only its headers) carried by PART, as a Message; or None."""
    if part is None:
        return None
    payload = part.get_payload()
    if isinstance(payload, list):
        return payload[0] if payload and isinstance(payload[0], email.message.Message) else None
    return HEADERS.parsestr(content(part))


def automatic(msg):
    """Whether MSG was sent by a program (auto-reply, list, vacation) rather than a person."""
    submitted = header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    precedence = header(msg, "Precedence").strip().lower()
    return bool(submitted and submitted != "no") or precedence in ("bulk", "junk", "list") or \
        bool(header(msg, "X-Autoreply") or header(msg, "X-Autorespond"))


def body_of(msg):
    """The plain text of MSG (HTML stripped when there is no plain part) without its quoted part."""
    part = msg.get_body(preferencelist=("plain",))
    text = content(part) if part is not None else ""
    if part is None:
        part = msg.get_body(preferencelist=("html",))
        text = strip_html(content(part)) if part is not None else ""
    return unquote(text)[:MAX_BODY]


def unquote(text):
    """TEXT without '>' lines and without everything from an 'On ... wrote:' / 'Original Message' line on."""
    kept = []
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        # Gmail wraps a long "On <date>, <name> <address> wrote:" over two lines
        joined = line + " " + lines[i + 1] if i + 1 < len(lines) else line
        if CUT_LINE.match(line) or QUOTE_HEAD.match(line) or (line.lstrip().startswith("On ") and
                                                                QUOTE_HEAD.match(joined)):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    return "\n".join(kept).strip()


def strip_html(markup):
    """Readable text of an HTML body (quoted blockquotes, scripts and styles dropped)."""
    markup = re.sub(r"(?is)<(script|style|blockquote)\b.*?</\1\s*>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)\s*>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def content(part):
    """A text part's decoded text, whatever its declared charset."""
    try:
        return part.get_content()
    except Exception:  # unknown charset or broken transfer encoding: decode what there is
        data = part.get_payload(decode=True)
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(part.get_payload() or "")


def header(msg, name):
    """Header NAME of MSG (which may be None) as text; '' when absent."""
    try:
        value = msg.get(name) if msg is not None else None
        return "" if value is None else str(value)
    except Exception:  # a header the policy cannot parse: fall back to its raw text
        raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
        return str(raw).encode("utf-8", "replace").decode("utf-8")


def sender(msg):
    """(address lower-cased, display name or None) of From."""
    name, addr = email.utils.parseaddr(header(msg, "From"))
    return addr.strip().lower(), (name.strip() or None)


def address_of(text):
    """The bare address in TEXT ('rfc822; <A@B>' style values included), lower-cased, or None."""
    return email.utils.parseaddr(text.strip())[1].strip().lower() or None


def timestamp(msg):
    """The Date header in epoch seconds, or None."""
    try:
        parsed = email.utils.parsedate_tz(header(msg, "Date"))
        return float(email.utils.mktime_tz(parsed)) if parsed else None
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
