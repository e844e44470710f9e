"""Channel types and the generic checks of their settings and secrets; building a channel for a run.

Each channel class declares itself (TYPE, ADDRESS, SETTINGS, SECRETS, REQUIRED_SECRETS, check_config);
adding a channel = one new module here + one line in REGISTRY.
"""
from core.errors import DomainError

from .base import NUMBER, TEXT
from .dryrun import DryRunChannel
from .smtp import SmtpChannel
from .twilio import TwilioChannel
from .whatsapp import WhatsAppChannel
from .whatsapp_web import WhatsAppWebChannel

REGISTRY = {channel.TYPE: channel for channel in (
    SmtpChannel,
    WhatsAppChannel,
    WhatsAppWebChannel,
    TwilioChannel,
    DryRunChannel,
)}
VALUE_TYPES = {TEXT: (str,), NUMBER: (int, float)}


def channel_class(channel_type):
    """The class of CHANNEL_TYPE, or a 400 listing the known types."""
    if not isinstance(channel_type, str) or channel_type not in REGISTRY:
        raise DomainError("bad_channel_type", "Channel type must be one of: %s." % ", ".join(REGISTRY))
    return REGISTRY[channel_type]


def describe_types():
    """{type: {required, optional, secrets, default_pacing, attachments}}: what the UI's channel form asks for."""
    return {name: {"required": [s.name for s in cls.SETTINGS if s.required],
                   "optional": [s.name for s in cls.SETTINGS if not s.required],
                   "secrets": list(cls.SECRETS), "default_pacing": dict(cls.DEFAULT_PACING),
                   "attachments": list(cls.ATTACHMENTS)} for name, cls in REGISTRY.items()}


def address_kind(channel_type, config):
    """'email' or 'number': which contact field a channel sends to."""
    return REGISTRY[channel_type].address_kind(config)


def declared_config(channel_type, config):
    """CONFIG without settings the type no longer declares (settings a type stopped declaring)."""
    names = {s.name for s in REGISTRY[channel_type].SETTINGS}
    return {k: v for k, v in config.items() if k in names}


def check_config(channel_type, config):
    """A cleaned config for CHANNEL_TYPE, or a 400 naming the problem."""
    cls = channel_class(channel_type)
    if not isinstance(config, dict):
        raise DomainError("bad_param", "'config' must be an object.")
    settings = {s.name: s for s in cls.SETTINGS}
    unknown = set(config) - set(settings)
    if unknown:
        raise DomainError("bad_param", "Unknown setting(s) for %s: %s." % (channel_type, ", ".join(sorted(unknown))))
    for setting in cls.SETTINGS:
        if setting.required and config.get(setting.name) in (None, ""):
            raise DomainError("missing_field", "The %s channel needs '%s'." % (channel_type, setting.name))
    clean = {k: v for k, v in config.items() if v not in (None, "")}
    for name, value in clean.items():
        if isinstance(value, bool) or not isinstance(value, VALUE_TYPES[settings[name].kind]):
            raise DomainError("bad_param", "'%s' must be %s." % (name, "a number" if settings[name].kind == NUMBER
                                                                  else "text"))
    cls.check_config(clean)
    return clean


def check_secrets(channel_type, secrets, creating):
    """Only the known secret fields, as strings; required ones when creating."""
    cls = channel_class(channel_type)
    if secrets is None:
        secrets = {}
    if not isinstance(secrets, dict):
        raise DomainError("bad_param", "'secrets' must be an object.")
    unknown = set(secrets) - set(cls.SECRETS)
    if unknown:
        raise DomainError("bad_param", "Unknown secret(s): %s." % ", ".join(sorted(unknown)))
    if not all(isinstance(v, str) for v in secrets.values()):
        raise DomainError("bad_param", "Secrets must be text.")
    if creating:
        missing = [name for name in cls.REQUIRED_SECRETS if not secrets.get(name)]
        if missing:
            raise DomainError("missing_field", "The channel needs the secret '%s'." % missing[0])
    return {k: v for k, v in secrets.items() if v}


def build(channel_type, config, secrets, data_dir, channel_id):
    """A ready-to-send channel object."""
    cls = REGISTRY[channel_type]
    return cls(cls.runtime_config(dict(config), data_dir, channel_id), secrets)
