"""Dry run: every rendered message is appended to a JSON-lines file instead of being sent.

The file lives in <data dir>/dry-run/: channel-<id>.jsonl, or a plain file name the user chose
(letters, digits, '.', '_', '-', not starting with a dot). The app builds the path, never the user, so no request
can point it elsewhere ('..', '.', separators are refused), and no error message shows where the data directory is.
"""
import json
import os
import re
import uuid

from .base import PERMANENT, Channel, SendError, Setting
from core.errors import DomainError

from .checks import check_choice

FOLDER = "dry-run"
# A name inside FOLDER, never a path: no separators, and no leading dot (so neither '.', '..' nor hidden files).
PLAIN_FILE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")


def plain_file_name(value):
    """True when VALUE is a file name the app may create inside the dry-run folder."""
    return isinstance(value, str) and PLAIN_FILE_NAME.match(value) is not None


def output_path(data_dir, channel_id, file_name=None):
    """Where the dry-run channel CHANNEL_ID writes (a stored name that is not plain, from older versions, is ignored)."""
    name = file_name if plain_file_name(file_name) else "channel-%d.jsonl" % channel_id
    return os.path.join(data_dir, FOLDER, name)


class DryRunChannel(Channel):
    """Rehearse a campaign: one line per message in the channel's file (flushed and fsynced)."""

    TYPE = "dry_run"
    SETTINGS = (Setting("address"), Setting("file_name"))

    @classmethod
    def check_config(cls, cfg):
        """Which contact field it 'sends' to, and a plain output file name when one is given."""
        check_choice(cfg, "address", ("number", "email"), "number")
        if "file_name" in cfg and not plain_file_name(cfg["file_name"]):
            raise DomainError("bad_param", "'file_name' must be a plain file name (letters, digits, '.', '_', '-'; "
                                           "not starting with a dot).")

    @classmethod
    def address_kind(cls, config):
        """The configured contact field ('number' by default)."""
        return config.get("address", "number")

    @classmethod
    def runtime_config(cls, config, data_dir, channel_id):
        """The settings plus the output path the app builds inside the dry-run folder."""
        return dict(config, path=output_path(data_dir, channel_id, config.get("file_name")))

    def __init__(self, config, secrets=None):
        self.path = config["path"]
        self.ADDRESS = self.address_kind(config)
        self.handle = None

    def send(self, message):
        """Append MESSAGE to the file; a fresh id stands in for the provider's."""
        provider_id = "dry_" + uuid.uuid4().hex[:16]
        line = json.dumps({"id": provider_id, "to": message.to, "name": message.name, "subject": message.subject,
                           "body": message.body, "params": message.params}, ensure_ascii=False)
        try:
            if self.handle is None:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                self.handle = open(self.path, "a", encoding="utf-8")
            self.handle.write(line + "\n")
            self.handle.flush()
            os.fsync(self.handle.fileno())
        except OSError as err:
            # strerror only: str(err) would carry the file's absolute path
            raise SendError(PERMANENT, "dry_run_write_failed", "Could not write the dry-run file (%s)."
                            % (err.strerror or type(err).__name__)) from None
        return provider_id

    def close(self):
        """Close the file."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
