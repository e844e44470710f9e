"""A real SMTP server on loopback (aiosmtpd) with STARTTLS or implicit TLS, AUTH, and a message log."""
import datetime
import email
import ipaddress
import os
import socket
import ssl
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed_cert(directory):
    """Write a self-signed certificate for 127.0.0.1/localhost; returns (cert_path, key_path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(directory, "smtp-cert.pem"), os.path.join(directory, "smtp-key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


def free_port():
    """A port that was free a moment ago (aiosmtpd's Controller cannot bind port 0 itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """Keeps every accepted message; can refuse chosen recipients with a 5xx."""

    def __init__(self):
        self.messages, self.lock = [], threading.Lock()
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Refuse listed recipients like a real server does (550)."""
        if address in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Record the message, then accept it."""
        parsed = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append({"to": rcpt, "from": envelope.mail_from, "subject": parsed["Subject"],
                                      "message_id": parsed["Message-ID"],
                                      "list_unsubscribe": parsed["List-Unsubscribe"], "body": parsed.get_payload(decode=True)
                                      .decode("utf-8", "replace"), "authenticated": bool(session.authenticated)})
        return "250 Message accepted for delivery"

    def count_to(self, address):
        """Messages accepted for ADDRESS."""
        with self.lock:
            return sum(1 for m in self.messages if m["to"] == address)


class QuietController(Controller):
    """aiosmtpd warns that AUTH without STARTTLS is unsafe; with implicit TLS (SMTPS) the whole session is
    encrypted, so that warning is silenced here (the test run turns warnings into errors)."""

    def factory(self):
        """Build the SMTP protocol without the implicit-TLS false alarm."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


class FakeSmtp:
    """aiosmtpd on 127.0.0.1:<free port>; mode 'starttls' (required, with AUTH), 'ssl', or 'plain'."""

    def __init__(self, directory, mode="starttls", username="mailer", password="s3cret-pw"):
        self.handler = RecordingHandler()
        self.username, self.password = username, password
        self.cert_path, key_path = self_signed_cert(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, key_path)
        options = {"hostname": "127.0.0.1", "port": free_port(), "authenticator": self.authenticate}
        if mode == "starttls":
            options.update(tls_context=context, require_starttls=True, auth_required=True)
        elif mode == "ssl":
            options.update(ssl_context=context, auth_required=True, auth_require_tls=False)
        else:
            options.update(auth_require_tls=False)
        self.mode = mode
        self.controller = QuietController(self.handler, **options)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        """Accept only the configured login."""
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.username and \
            auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False)

    @property
    def port(self):
        """The bound port."""
        return self.controller.port

    @property
    def messages(self):
        """Accepted messages."""
        return self.handler.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
