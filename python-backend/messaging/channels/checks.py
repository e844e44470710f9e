"""Setting checks shared by several channel types; each failure a DomainError naming the setting."""
import os
import re
import ssl
import stat

from core.errors import DomainError

MAX_CA_FILE_BYTES = 1_000_000
PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"


def check_choice(cfg, name, choices, default):
    """CFG[NAME] set to DEFAULT when absent, and one of CHOICES."""
    if cfg.setdefault(name, default) not in choices:
        raise DomainError("bad_param", "'%s' must be one of: %s." % (name, ", ".join(choices)))


def check_url(cfg):
    """An http(s) api_base when given (tests and proxies point it elsewhere)."""
    if "api_base" in cfg and not re.match(r"^https?://[^\s/]+", str(cfg["api_base"])):
        raise DomainError("bad_param", "'api_base' must be an http(s) URL.")


def check_timeout(cfg):
    """A timeout between 0.1 and 300 seconds when given."""
    if "timeout" in cfg:
        value = cfg["timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.1 <= value <= 300:
            raise DomainError("bad_param", "'timeout' must be between 0.1 and 300 seconds.")


def check_ca_file(cfg):
    """A ca_file, when given, must hold PEM CA certificates; one answer for missing, unreadable or not one.

    The same error whatever the reason, so the API cannot be used to learn which paths exist.
    """
    if "ca_file" in cfg and not holds_certificates(cfg["ca_file"]):
        raise DomainError("bad_ca_file", "'ca_file' must be a readable PEM file of CA certificates.")


def holds_certificates(path):
    """Whether PATH is a regular file of at most 1 MB that TLS loads as PEM certificates."""
    data = read_small_regular_file(path)
    if data is None or PEM_CERTIFICATE not in data:
        return False
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=data.decode("ascii"))
    except (ssl.SSLError, UnicodeDecodeError, ValueError):
        return False
    return True


def read_small_regular_file(path):
    """The bytes of PATH when it is a regular file within the size limit, else None (never blocks on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError, TypeError):  # ValueError: a NUL in the path
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CA_FILE_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_CA_FILE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
