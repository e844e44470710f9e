"""Channel types, their settings and secrets, and building a channel for a run."""
import os
import re

from core.errors import DomainError
from .dryrun import DryRunChannel
from .smtp import SECURITY, SmtpChannel
from .twilio import TwilioChannel
from .whatsapp import WhatsAppChannel

# type -> (class, required config, optional config, secret fields, required secrets)
TYPES = {
    "smtp": (SmtpChannel, ("host", "port", "from_address"),
             ("security", "username", "from_name", "timeout", "ca_file"), ("password",), ()),
    "whatsapp": (WhatsAppChannel, ("phone_number_id",),
                 ("api_base", "api_version", "message_type", "template_name", "template_language", "timeout"),
                 ("access_token",), ("access_token",)),
    "twilio": (TwilioChannel, ("account_sid",),
               ("from_number", "messaging_service_sid", "api_base", "timeout"), ("auth_token",), ("auth_token",)),
    "dry_run": (DryRunChannel, (), ("address", "file_name"), (), ()),
}
# Every other setting is text (host names, ids, URLs, template names).
NUMBER_SETTINGS = frozenset({"port", "timeout"})
SAFE_FILE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def address_kind(channel_type, config):
    """'email' or 'number': which contact field a channel sends to."""
    if channel_type == "dry_run":
        return config.get("address", "number")
    return TYPES[channel_type][0].ADDRESS


def check_config(channel_type, config):
    """A cleaned config for CHANNEL_TYPE, or a 400 naming the problem."""
    if not isinstance(channel_type, str) or channel_type not in TYPES:
        raise DomainError("bad_channel_type", "Channel type must be one of: %s." % ", ".join(TYPES))
    if not isinstance(config, dict):
        raise DomainError("bad_param", "'config' must be an object.")
    _, required, optional, _, _ = TYPES[channel_type]
    unknown = set(config) - set(required) - set(optional)
    if unknown:
        raise DomainError("bad_param", "Unknown setting(s) for %s: %s." % (channel_type, ", ".join(sorted(unknown))))
    for name in required:
        if config.get(name) in (None, ""):
            raise DomainError("missing_field", "The %s channel needs '%s'." % (channel_type, name))
    clean = {k: v for k, v in config.items() if v not in (None, "")}
    for name, value in clean.items():
        if name not in NUMBER_SETTINGS and not isinstance(value, str):
            raise DomainError("bad_param", "'%s' must be text." % name)
    CHECKS[channel_type](clean)
    return clean


def check_smtp(cfg):
    """SMTP: a port number, a known security mode, a plausible sender."""
    port = cfg.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise DomainError("bad_param", "'port' must be a number between 1 and 65535.")
    if cfg.setdefault("security", "starttls") not in SECURITY:
        raise DomainError("bad_param", "'security' must be one of: %s." % ", ".join(SECURITY))
    from contacts.emails import normalize_email
    address, _ = normalize_email(cfg["from_address"])
    if address is None:
        raise DomainError("invalid_email", "'from_address' is not a valid email address.")
    cfg["from_address"] = address
    if "ca_file" in cfg and not (isinstance(cfg["ca_file"], str) and os.path.isfile(cfg["ca_file"])):
        raise DomainError("bad_param", "'ca_file' does not exist.")
    check_timeout(cfg)


def check_whatsapp(cfg):
    """WhatsApp: text or template, a template needs its name."""
    if cfg.setdefault("message_type", "text") not in ("text", "template"):
        raise DomainError("bad_param", "'message_type' must be 'text' or 'template'.")
    if cfg["message_type"] == "template" and not cfg.get("template_name"):
        raise DomainError("missing_field", "A template message needs 'template_name'.")
    check_url(cfg)
    check_timeout(cfg)


def check_twilio(cfg):
    """Twilio: a sender number or a messaging service."""
    if not (cfg.get("from_number") or cfg.get("messaging_service_sid")):
        raise DomainError("missing_field", "Twilio needs 'from_number' or 'messaging_service_sid'.")
    check_url(cfg)
    check_timeout(cfg)


def check_dry_run(cfg):
    """Dry run: which address to use and a plain file name inside the data directory."""
    if cfg.setdefault("address", "number") not in ("number", "email"):
        raise DomainError("bad_param", "'address' must be 'number' or 'email'.")
    if "file_name" in cfg and not SAFE_FILE.match(str(cfg["file_name"])):
        raise DomainError("bad_param", "'file_name' must be a plain file name (letters, digits, . _ -).")


def check_url(cfg):
    """An http(s) api_base when given (tests and proxies point it elsewhere)."""
    if "api_base" in cfg and not re.match(r"^https?://[^\s/]+", str(cfg["api_base"])):
        raise DomainError("bad_param", "'api_base' must be an http(s) URL.")


def check_timeout(cfg):
    """A timeout between 1 and 300 seconds when given."""
    if "timeout" in cfg:
        value = cfg["timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.1 <= value <= 300:
            raise DomainError("bad_param", "'timeout' must be between 0.1 and 300 seconds.")


CHECKS = {"smtp": check_smtp, "whatsapp": check_whatsapp, "twilio": check_twilio, "dry_run": check_dry_run}


def check_secrets(channel_type, secrets, creating):
    """Only the known secret fields, as strings; required ones when creating."""
    if secrets is None:
        secrets = {}
    if not isinstance(secrets, dict):
        raise DomainError("bad_param", "'secrets' must be an object.")
    _, _, _, allowed, required = TYPES[channel_type]
    unknown = set(secrets) - set(allowed)
    if unknown:
        raise DomainError("bad_param", "Unknown secret(s): %s." % ", ".join(sorted(unknown)))
    if not all(isinstance(v, str) for v in secrets.values()):
        raise DomainError("bad_param", "Secrets must be text.")
    if creating:
        missing = [name for name in required if not secrets.get(name)]
        if missing:
            raise DomainError("missing_field", "The channel needs the secret '%s'." % missing[0])
    return {k: v for k, v in secrets.items() if v}


def build(channel_type, config, secrets, data_dir, channel_id):
    """A ready-to-send channel object."""
    config = dict(config)
    if channel_type == "dry_run":
        name = config.get("file_name") or "channel-%d.jsonl" % channel_id
        config["path"] = os.path.join(data_dir, "dry-run", name)
    return TYPES[channel_type][0](config, secrets)
