"""Channel secrets in tests: a real SMTP server whose login proves a secret decrypts, no keychain, the raw store."""
import os

import pytest

from fakes.smtp import FakeSmtp

PASSWORD = "s3cret-pw"  # FakeSmtp's password: the channel's test connection proves the secret decrypts


def no_keychain_env(home):
    """An environment with no Secret Service: the session bus address points at a socket that does not exist."""
    return {"DBUS_SESSION_BUS_ADDRESS": "unix:path=%s" % (home / "no-such-bus"), "PYTHON_KEYRING_BACKEND": "",
            "BULKMSG_CONFIG_DIR": str(home / "config")}


@pytest.fixture
def smtp(tmp_path):
    """A real SMTP server on loopback that requires STARTTLS and a login."""
    with FakeSmtp(str(tmp_path), "starttls") as server:
        yield server


def smtp_channel(server, password=PASSWORD):
    """A POST /channels body for SERVER with a password."""
    return {"name": "mail", "type": "smtp", "secrets": {"password": password},
            "config": {"host": "127.0.0.1", "port": server.port, "security": "starttls", "username": server.username,
                       "from_address": "team@example.org", "ca_file": server.cert_path}}


def read_database(server):
    """The raw bytes of the store (and its WAL) as text."""
    text = ""
    for name in os.listdir(server.data_dir):
        if name.startswith("bulkmsg.sqlite3"):
            with open(os.path.join(server.data_dir, name), "rb") as f:
                text += f.read().decode("latin-1")
    return text
