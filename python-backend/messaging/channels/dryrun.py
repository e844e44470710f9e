"""Dry run: every rendered message is appended to a JSON-lines file instead of being sent."""
import json
import os
import uuid

from .base import PERMANENT, Channel, SendError


class DryRunChannel(Channel):
    """Rehearse a campaign: one line per message in the configured file (flushed and fsynced)."""

    def __init__(self, config, secrets=None):
        self.path = config["path"]
        self.ADDRESS = config.get("address", "number")
        self.handle = None

    def send(self, message):
        """Append MESSAGE to the file; a fresh id stands in for the provider's."""
        provider_id = "dry_" + uuid.uuid4().hex[:16]
        line = json.dumps({"id": provider_id, "to": message.to, "name": message.name, "subject": message.subject,
                           "body": message.body, "params": message.params}, ensure_ascii=False)
        try:
            if self.handle is None:
                os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
                self.handle = open(self.path, "a", encoding="utf-8")
            self.handle.write(line + "\n")
            self.handle.flush()
            os.fsync(self.handle.fileno())
        except OSError as err:
            raise SendError(PERMANENT, "dry_run_write_failed", "Could not write the dry-run file: %s" % err) \
                from None
        return provider_id

    def close(self):
        """Close the file."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
