"""SMTP email: host, port, STARTTLS or implicit TLS (SSL), optional login; one connection reused per run."""
import email.message
import email.utils
import smtplib
import socket
import ssl

from core.errors import DomainError

from .base import FATAL, NUMBER, PERMANENT, TRANSIENT, UNKNOWN, Channel, SendError, Setting
from .checks import check_ca_file, check_choice, check_timeout

SECURITY = ("starttls", "ssl", "none")


class SmtpChannel(Channel):
    """Sends each message as its own email through one SMTP server."""

    TYPE = "smtp"
    ADDRESS = "email"
    SETTINGS = (Setting("host", required=True), Setting("port", NUMBER, required=True),
                Setting("from_address", required=True), Setting("security"), Setting("username"),
                Setting("from_name"), Setting("timeout", NUMBER), Setting("ca_file"),
                # The bounce and unsubscribe mailbox (optional): read over IMAP for bounces (DSNs), unsubscribe
                # requests and replies. unsubscribe_address: where List-Unsubscribe mails go (default: the
                # mailbox's user when it is an address, else from_address).
                Setting("imap_host"), Setting("imap_port", NUMBER), Setting("imap_security"), Setting("imap_user"),
                Setting("imap_folder"), Setting("unsubscribe_address"))
    SECRETS = ("password", "imap_password")
    REQUIRED_SECRETS = ()  # a relay may accept mail without a login

    @classmethod
    def check_config(cls, cfg):
        """A port number, a known security mode, a plausible sender, a real CA file when given."""
        port = cfg.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise DomainError("bad_param", "'port' must be a number between 1 and 65535.")
        check_choice(cfg, "security", SECURITY, "starttls")
        from contacts.emails import normalize_email

        address, _ = normalize_email(cfg["from_address"])
        if address is None:
            raise DomainError("invalid_email", "'from_address' is not a valid email address.")
        cfg["from_address"] = address
        check_ca_file(cfg)
        check_timeout(cfg)
        check_mailbox(cfg)

    def __init__(self, config, secrets):
        self.config, self.password = config, (secrets or {}).get("password")
        self.imap_password = (secrets or {}).get("imap_password")
        self.client = None

    def unsubscribe_address(self):
        """Where a recipient's mail client sends an unsubscribe request (the mailbox the app reads)."""
        cfg = self.config
        user = cfg.get("imap_user") or ""
        return cfg.get("unsubscribe_address") or (user if "@" in user else cfg["from_address"])

    def mailbox(self):
        """The MailboxConfig of the bounce mailbox, or None when none is set up."""
        cfg = self.config
        if not cfg.get("imap_host"):
            return None
        from ..mailbox import MailboxConfig

        security = cfg.get("imap_security", "ssl")
        port = cfg.get("imap_port") or (993 if security == "ssl" else 143)
        return MailboxConfig(cfg["imap_host"], int(port), security, cfg.get("imap_user") or cfg["from_address"],
                             self.imap_password or "", cfg.get("imap_folder") or "INBOX",
                             float(cfg.get("timeout", 20)))

    def tls_context(self):
        """Certificate-verifying TLS context; ca_file trusts a private CA (e.g. a company relay)."""
        return ssl.create_default_context(cafile=self.config.get("ca_file") or None)

    def connect(self):
        """Open, secure and log in a new SMTP session, classifying failures."""
        client = None
        try:
            client = self.open_client()
            if self.config.get("username"):
                client.login(self.config["username"], self.password or "")
        except smtplib.SMTPAuthenticationError as err:
            close_quietly(client)
            raise SendError(FATAL, "auth_failed", "The SMTP server refused the login (%s)." % err.smtp_code) \
                from None
        except ssl.SSLError as err:
            close_quietly(client)
            raise SendError(FATAL, "tls_failed", "TLS with the SMTP server failed: %s" % err.reason) from None
        except ConnectionRefusedError as err:
            # Nothing listens at host:port: a channel problem, not a recipient's. Pause the campaign now with the
            # reason (FATAL keeps the recipient pending) instead of burning retries on every recipient.
            close_quietly(client)
            raise SendError(FATAL, "connect_failed", "Could not connect to %s:%s: %s" % (
                self.config["host"], self.config["port"], plain_reason(err))) from None
        except (OSError, smtplib.SMTPException) as err:
            close_quietly(client)
            raise SendError(TRANSIENT, "connect_failed", "Could not connect to %s:%s: %s" % (
                self.config["host"], self.config["port"], plain_reason(err))) from None
        return client

    def check(self):
        """Connect, secure (STARTTLS/SSL) and log in as configured, then QUIT: no mail is sent."""
        client = self.connect()
        try:
            banner = client.ehlo_resp or client.helo_resp or b""
            details = {"server": "%s:%s" % (self.config["host"], self.config["port"]),
                       "security": self.config.get("security", "starttls"),
                       "logged_in": bool(self.config.get("username")),
                       "greeting": banner.decode("utf-8", "replace").splitlines()[0][:200] if banner else None}
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                close_quietly(client)
        return details

    def open_client(self):
        """A connected client, TLS set up as configured (STARTTLS by default)."""
        cfg, timeout = self.config, float(self.config.get("timeout", 30))
        if cfg.get("security") == "ssl":
            return smtplib.SMTP_SSL(cfg["host"], int(cfg["port"]), timeout=timeout, context=self.tls_context())
        client = smtplib.SMTP(cfg["host"], int(cfg["port"]), timeout=timeout)
        try:
            if cfg.get("security", "starttls") == "starttls":
                client.starttls(context=self.tls_context())
        except BaseException:
            close_quietly(client)
            raise
        return client

    def session(self):
        """The open session, checked with NOOP (servers drop idle ones), else a fresh one."""
        if self.client is not None:
            try:
                if self.client.noop()[0] == 250:
                    return self.client
            except (OSError, smtplib.SMTPException):
                pass
            self.close()
        self.client = self.connect()
        return self.client

    def build(self, message):
        """The email for MESSAGE, with a Message-ID that doubles as the provider id."""
        cfg = self.config
        mail = email.message.EmailMessage()
        mail["From"] = email.utils.formataddr((cfg.get("from_name") or "", cfg["from_address"]))
        mail["To"] = email.utils.formataddr((message.name or "", message.to))
        mail["Subject"] = message.subject
        mail["Date"] = email.utils.formatdate(localtime=True)
        domain = cfg["from_address"].rpartition("@")[2] or None
        mail["Message-ID"] = email.utils.make_msgid(domain=domain)
        # RFC 2369: mail clients show an Unsubscribe button; its mail lands in the mailbox the app reads.
        mail["List-Unsubscribe"] = "<mailto:%s?subject=unsubscribe>" % self.unsubscribe_address()
        mail.set_content(message.body)
        return mail

    def send(self, message):
        """Send one email; the Message-ID is the provider id."""
        mail = self.build(message)
        client = self.session()
        try:
            client.send_message(mail, from_addr=self.config["from_address"], to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as err:
            code, text = next(iter(err.recipients.values()))
            raise reply_error(code, text, "recipient_refused") from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
            raise reply_error(err.smtp_code, err.smtp_error, "rejected") from None
        except (smtplib.SMTPServerDisconnected, socket.timeout, OSError) as err:
            self.close()
            raise SendError(UNKNOWN, "connection_lost", "The SMTP connection broke while sending (%s); the "
                            "message may or may not have been accepted." % type(err).__name__) from None
        return mail["Message-ID"]

    def close(self):
        """QUIT the session if one is open."""
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.client = None


def check_mailbox(cfg):
    """The bounce mailbox's settings, when given: a host, a port, a security mode, a valid unsubscribe address."""
    port = cfg.get("imap_port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
        raise DomainError("bad_param", "'imap_port' must be a number between 1 and 65535.")
    if cfg.get("imap_host") or "imap_security" in cfg:
        check_choice(cfg, "imap_security", SECURITY, "ssl")
    if cfg.get("unsubscribe_address"):
        from contacts.emails import normalize_email

        address, _ = normalize_email(cfg["unsubscribe_address"])
        if address is None:
            raise DomainError("invalid_email", "'unsubscribe_address' is not a valid email address.")
        cfg["unsubscribe_address"] = address


def close_quietly(client):
    """Close a half-open session without raising."""
    if client is not None:
        try:
            client.close()
        except OSError:
            pass


def plain_reason(err):
    """An OS or SMTP error in plain words ("connection refused", "timed out")."""
    if isinstance(err, (socket.timeout, TimeoutError)):
        return "no answer (timed out)"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror[0].lower() + err.strerror[1:]
    return str(err) or type(err).__name__


def reply_error(code, text, what):
    """A SendError for an SMTP reply: 4xx is temporary, 5xx permanent."""
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    kind = TRANSIENT if 400 <= int(code) < 500 else PERMANENT
    return SendError(kind, "smtp_%s" % code, "SMTP %s %s: %s" % (code, what, detail[:300]))
