"""Schemathesis hooks of every run that fuzzes the messaging paths (loaded by `st run` through `fuzz_env`).

Every channel the fuzzer saves is pointed at a loopback port nobody listens on, so campaign starts it provokes
send nothing anywhere; the documented 503 keychain_unavailable answer is not counted as a server error.
"""
import json
import os
import socket

import schemathesis

from support.paths import BACKEND, REPO

MESSAGING_PATHS = (r"^/(lists|do-not-contact|templates|compose|drafts|channels|campaigns|settings/secrets|"
                   r"settings/webhooks|attachments|inbox|consent|webhooks)(/|$)")
CLOSED_PORT_ENV = "BULKMSG_FUZZ_CLOSED_PORT"
HOOKS_MODULE = "support.fuzz_hooks"
# With no system keychain (a CI box without a Secret Service) saving a secret gets the documented 503
# keychain_unavailable: the machine's state, not a server error.
KEYCHAIN_ABSENT = "keychain_unavailable"
# The refusing socket this process holds when no test handed it a port (kept open for the process's life).
held_sockets = []


def bind_refusing_socket():
    """A loopback socket bound but never listening: connections to its port are refused, nobody else gets it."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder


def refusing_port():
    """The port fuzzed channels are sent to: the test's (CLOSED_PORT_ENV) or one this process holds."""
    if os.environ.get(CLOSED_PORT_ENV):
        return int(os.environ[CLOSED_PORT_ENV])
    if not held_sockets:
        held_sockets.append(bind_refusing_socket())
    return held_sockets[0].getsockname()[1]


def nowhere_url():
    """An http URL on loopback where connections are refused."""
    return "http://127.0.0.1:%d" % refusing_port()


def fuzz_env(closed_port=None):
    """The environment of an `st run` that fuzzes the messaging paths: these hooks loaded, the port to use."""
    importable = [os.path.join(REPO, "tests", "python"), BACKEND]
    env = dict(os.environ, SCHEMATHESIS_HOOKS=HOOKS_MODULE, PYTHONPATH=os.pathsep.join(importable))
    if closed_port is not None:
        env[CLOSED_PORT_ENV] = str(closed_port)
    return env


def defuse_config(config):
    """CONFIG with every destination replaced by the refusing loopback port.

    SMTP configs need `host`; WhatsApp and Twilio ones need `phone_number_id` / `account_sid`, and get an
    `api_base` so they never fall back to the real provider.
    """
    if "host" in config:
        config["host"] = "127.0.0.1"
    if "port" in config:
        config["port"] = refusing_port()
    if {"api_base", "phone_number_id", "account_sid"} & set(config):
        config["api_base"] = nowhere_url()
    return config


@schemathesis.hook
def map_body(context, body):
    """Channels saved by the fuzzer talk to nobody: hosts and API bases go to a port that refuses."""
    operation = getattr(context, "operation", None)
    if operation is None or not isinstance(body, dict):
        return body
    if operation.path.startswith("/channels") and isinstance(body.get("config"), dict):
        defuse_config(body["config"])
    return body


def error_code(response):
    """The `code` of a JSON error answer, or None."""
    try:
        return json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure except 'server error' for the documented 503 keychain_unavailable answer."""
    return not (type(failure).__name__ == "ServerError" and response.status_code == 503
                and error_code(response) == KEYCHAIN_ABSENT)
