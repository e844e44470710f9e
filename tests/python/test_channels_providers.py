"""Each channel against a real local server speaking the provider's format, errors included."""
import json
import os

import pytest
from fakes.smtp import FakeSmtp, self_signed_cert
from fakes.twilio import FakeTwilio
from fakes.whatsapp import FakeWhatsApp
from messaging import channels
from messaging.channels import base, check_config, dryrun, smtp, twilio, whatsapp
from core.errors import DomainError

Message = base.Message


def smtp_channel(server, password="s3cret-pw", security=None):
    """An SMTP channel pointed at SERVER, trusting its self-signed certificate."""
    return smtp.SmtpChannel({"host": "127.0.0.1", "port": server.port, "security": security or server.mode,
                             "username": "mailer", "from_address": "news@example.com", "from_name": "News",
                             "ca_file": server.cert_path, "timeout": 10}, {"password": password})


@pytest.mark.parametrize("mode", ["starttls", "ssl"])
def test_smtp_sends_over_tls_with_login(tmp_path, mode):
    with FakeSmtp(str(tmp_path), mode) as server:
        channel = smtp_channel(server)
        ids = [channel.send(Message(to="ann%d@example.org" % i, body="Héllo %d" % i, subject="Hi", name="Ann"))
               for i in range(3)]
        channel.close()
    assert [m["to"] for m in server.messages] == ["ann0@example.org", "ann1@example.org", "ann2@example.org"]
    assert [m["message_id"] for m in server.messages] == ids
    assert server.messages[1]["body"].strip() == "Héllo 1" and all(m["authenticated"] for m in server.messages)


def test_smtp_errors_are_classified(tmp_path):
    with FakeSmtp(str(tmp_path), "starttls") as server:
        server.handler.refuse.add("gone@example.org")
        channel = smtp_channel(server)
        with pytest.raises(base.SendError) as refused:
            channel.send(Message(to="gone@example.org", body="x"))
        assert refused.value.kind == base.PERMANENT and refused.value.code == "smtp_550"
        channel.close()
        with pytest.raises(base.SendError) as login:
            smtp_channel(server, password="wrong").send(Message(to="a@example.org", body="x"))
        assert login.value.kind == base.FATAL and login.value.code == "auth_failed"
        with pytest.raises(base.SendError) as plain:
            smtp_channel(server, security="none").send(Message(to="a@example.org", body="x"))
        assert plain.value.kind == base.TRANSIENT  # the server insists on STARTTLS before MAIL
    assert server.messages == []
    closed = smtp.SmtpChannel({"host": "127.0.0.1", "port": server.port, "security": "none",
                               "from_address": "n@example.com", "timeout": 2}, {})
    with pytest.raises(base.SendError) as down:
        closed.send(Message(to="a@example.org", body="x"))
    # refused: nothing listens there, a channel problem that pauses the campaign at once (issue 15)
    assert down.value.kind == base.FATAL and down.value.code == "connect_failed"


def whatsapp_channel(server, **extra):
    """A WhatsApp channel pointed at SERVER."""
    config = {"phone_number_id": server.phone_number_id, "api_base": server.base_url, "timeout": 1}
    config.update(extra)
    return whatsapp.WhatsAppChannel(config, {"access_token": server.token})


def test_whatsapp_text_and_template_messages():
    with FakeWhatsApp() as server:
        wamid = whatsapp_channel(server).send(Message(to="+919876543210", body="Namaste"))
        template = whatsapp_channel(server, message_type="template", template_name="order_update",
                                    template_language="en_US")
        template.send(Message(to="+14155552671", body="", params=["Ann", "#42"]))
    assert wamid.startswith("wamid.") and server.messages[0]["to"] == "919876543210"
    assert server.messages[0]["body"] == "Namaste"
    sent = server.messages[1]["template"]
    assert sent["name"] == "order_update" and sent["language"] == {"code": "en_US"}
    assert [p["text"] for p in sent["components"][0]["parameters"]] == ["Ann", "#42"]


@pytest.mark.parametrize("fault,kind,code", [
    ("rate_limit", base.RATE_LIMITED, "wa_130429"), ("server_error", base.TRANSIENT, "wa_131000"),
    ("unavailable", base.TRANSIENT, "wa_131016"), ("timeout", base.UNKNOWN, "timeout"),
])
def test_whatsapp_faults_are_classified(fault, kind, code):
    with FakeWhatsApp(timeout_hold=2) as server:
        server.faults.queue(fault)
        with pytest.raises(base.SendError) as err:
            whatsapp_channel(server).send(Message(to="+14155552671", body="x"))
    assert (err.value.kind, err.value.code) == (kind, code) and server.messages == []
    if fault == "rate_limit":
        assert err.value.retry_after == 1.0


def test_whatsapp_bad_token_and_undeliverable():
    with FakeWhatsApp() as server:
        server.reject.add("14155550000")
        with pytest.raises(base.SendError) as undeliverable:
            whatsapp_channel(server).send(Message(to="+14155550000", body="x"))
        bad = whatsapp.WhatsAppChannel({"phone_number_id": server.phone_number_id, "api_base": server.base_url},
                                       {"access_token": "expired"})
        with pytest.raises(base.SendError) as auth:
            bad.send(Message(to="+14155552671", body="x"))
    assert (undeliverable.value.kind, undeliverable.value.code) == (base.PERMANENT, "wa_131026")
    assert (auth.value.kind, auth.value.code) == (base.FATAL, "wa_190")


def twilio_channel(server, token=None):
    """A Twilio channel pointed at SERVER."""
    return twilio.TwilioChannel({"account_sid": server.account_sid, "from_number": "+15005550006",
                                 "api_base": server.base_url, "timeout": 1},
                                {"auth_token": token or server.auth_token})


def test_twilio_sends_form_encoded_with_basic_auth():
    with FakeTwilio() as server:
        sid = twilio_channel(server).send(Message(to="+14155552671", body="Hi Ann & co = 100%"))
    assert sid.startswith("SM") and len(sid) == 34
    kept = [{key: m[key] for key in ("to", "id", "body", "from", "status_callback")} for m in server.messages]
    assert kept == [{"to": "+14155552671", "id": sid, "body": "Hi Ann & co = 100%", "from": "+15005550006",
                     "status_callback": None}]


@pytest.mark.parametrize("fault,kind,code", [
    ("rate_limit", base.RATE_LIMITED, "twilio_20429"), ("server_error", base.TRANSIENT, "twilio_20500"),
    ("unavailable", base.TRANSIENT, "twilio_20503"), ("timeout", base.UNKNOWN, "timeout"),
])
def test_twilio_faults_are_classified(fault, kind, code):
    with FakeTwilio(timeout_hold=2) as server:
        server.faults.queue(fault)
        with pytest.raises(base.SendError) as err:
            twilio_channel(server).send(Message(to="+14155552671", body="x"))
    assert (err.value.kind, err.value.code) == (kind, code) and server.messages == []


def test_twilio_invalid_number_and_bad_credentials():
    with FakeTwilio() as server:
        with pytest.raises(base.SendError) as invalid:
            twilio_channel(server).send(Message(to="4155552671", body="x"))
        with pytest.raises(base.SendError) as auth:
            twilio_channel(server, token="nope").send(Message(to="+14155552671", body="x"))
    assert (invalid.value.kind, invalid.value.code) == (base.PERMANENT, "twilio_21211")
    assert (auth.value.kind, auth.value.code) == (base.FATAL, "twilio_20003")


def test_unreachable_provider_is_transient():
    with FakeTwilio() as server:
        url = server.base_url
    channel = twilio.TwilioChannel({"account_sid": "AC" + "0" * 32, "from_number": "+15005550006",
                                    "api_base": url, "timeout": 1}, {"auth_token": "t"})
    with pytest.raises(base.SendError) as err:
        channel.send(Message(to="+14155552671", body="x"))
    assert (err.value.kind, err.value.code) == (base.TRANSIENT, "connect_failed")


def test_dry_run_writes_every_message(tmp_path):
    path = str(tmp_path / "rehearsal.jsonl")
    channel = dryrun.DryRunChannel({"path": path})
    ids = [channel.send(Message(to="+1415555267%d" % i, body="Hi %d" % i, name="N")) for i in range(3)]
    channel.close()
    with open(path, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    assert [line["id"] for line in lines] == ids and lines[2]["body"] == "Hi 2"


@pytest.mark.parametrize("channel_type,config,code", [
    ("fax", {}, "bad_channel_type"),
    ("smtp", {"host": "h", "port": 99999, "from_address": "a@b.co"}, "bad_param"),
    ("smtp", {"host": "h", "port": 25, "from_address": "nope"}, "invalid_email"),
    ("smtp", {"port": 25, "from_address": "a@b.co"}, "missing_field"),
    ("whatsapp", {"phone_number_id": "1", "message_type": "template"}, "missing_field"),
    ("twilio", {"account_sid": "AC1"}, "missing_field"),
    ("twilio", {"account_sid": "AC1", "from_number": "+1", "api_base": "ftp://x"}, "bad_param"),
    ("dry_run", {"file_name": "../../etc/passwd"}, "bad_param"),
    ("smtp", {"host": "h", "port": 25, "from_address": "a@b.co", "password": "inline"}, "bad_param"),
])
def test_bad_channel_settings_are_refused(channel_type, config, code):
    with pytest.raises(DomainError) as err:
        check_config(channel_type, config)
    assert err.value.code == code and err.value.kind == "invalid"


@pytest.mark.parametrize("stored_name", ["..", ".", "../../outside.jsonl", "/etc/x.jsonl", ".hidden"])
def test_dry_run_output_is_named_by_the_app_whatever_an_old_config_says(tmp_path, stored_name):
    data_dir = str(tmp_path / "data")
    channel = channels.build("dry_run", {"file_name": stored_name}, {}, data_dir, 7)
    channel.send(Message(to="+14155552671", body="Hi"))
    channel.close()
    assert os.listdir(os.path.join(data_dir, "dry-run")) == ["channel-7.jsonl"]
    assert os.listdir(data_dir) == ["dry-run"]


def test_a_plain_dry_run_file_name_stays_inside_the_dry_run_folder(tmp_path):
    data_dir = str(tmp_path / "data")
    channel = channels.build("dry_run", check_config("dry_run", {"file_name": "rehearsal-1.jsonl"}), {}, data_dir, 7)
    channel.send(Message(to="+14155552671", body="Hi"))
    channel.close()
    assert os.listdir(os.path.join(data_dir, "dry-run")) == ["rehearsal-1.jsonl"]


def test_a_dry_run_write_error_does_not_reveal_the_data_path(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    channel = channels.build("dry_run", {}, {}, str(blocker), 1)
    with pytest.raises(base.SendError) as err:
        channel.send(Message(to="+14155552671", body="Hi"))
    assert err.value.code == "dry_run_write_failed" and str(tmp_path) not in err.value.message


def smtp_config(ca_file):
    """SMTP settings trusting CA_FILE."""
    return {"host": "127.0.0.1", "port": 25, "from_address": "a@example.com", "ca_file": ca_file}


def test_ca_file_is_checked_by_content_with_one_answer_for_every_failure(tmp_path):
    cert_path, key_path = self_signed_cert(str(tmp_path))
    assert check_config("smtp", smtp_config(cert_path))["ca_file"] == cert_path
    fake = tmp_path / "fake.pem"
    fake.write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    refused = [str(tmp_path / "missing.pem"), str(passwd), str(fake), key_path, str(tmp_path), "bad\0path"]
    answers = set()
    for path in refused:
        with pytest.raises(DomainError) as err:
            check_config("smtp", smtp_config(path))
        answers.add((err.value.code, err.value.kind, err.value.message))
    assert answers == {("bad_ca_file", "invalid", "'ca_file' must be a readable PEM file of CA certificates.")}


def test_every_channel_declares_itself():
    for name, cls in channels.REGISTRY.items():
        assert cls.TYPE == name and cls.ADDRESS in ("email", "number")
        assert all(isinstance(s, base.Setting) and s.kind in (base.TEXT, base.NUMBER) for s in cls.SETTINGS)
        assert set(cls.REQUIRED_SECRETS) <= set(cls.SECRETS)
    described = channels.describe_types()
    assert described["smtp"] == {"required": ["host", "port", "from_address"],
                                 "optional": ["security", "username", "from_name", "timeout", "ca_file", "imap_host",
                                              "imap_port", "imap_security", "imap_user", "imap_folder",
                                              "unsubscribe_address"],
                                 "secrets": ["password", "imap_password"], "default_pacing": {}, "attachments": []}
    assert described["dry_run"] == {"required": [], "optional": ["address", "file_name"], "secrets": [],
                                    "default_pacing": {}, "attachments": []}
    web = described["whatsapp_web"]
    assert web["secrets"] == [] and web["attachments"] == ["image", "document"]
    assert web["default_pacing"]["min_delay"] == 20 and web["default_pacing"]["max_delay"] == 60


class PigeonChannel(base.Channel):
    """A channel type that exists only in this test: one class, one registry entry."""

    TYPE = "pigeon"
    SETTINGS = (base.Setting("loft", required=True), base.Setting("speed", base.NUMBER))
    SECRETS = REQUIRED_SECRETS = ("ring",)

    def __init__(self, config, secrets):
        self.config, self.secrets = config, secrets

    def send(self, message):
        """Pretend to fly."""
        return "coo-" + message.to


def test_a_new_channel_needs_one_class_and_one_registry_line(monkeypatch):
    monkeypatch.setitem(channels.REGISTRY, PigeonChannel.TYPE, PigeonChannel)
    assert channels.describe_types()["pigeon"] == {"required": ["loft"], "optional": ["speed"], "secrets": ["ring"],
                                                   "default_pacing": {}, "attachments": []}
    assert check_config("pigeon", {"loft": "north", "speed": 3}) == {"loft": "north", "speed": 3}
    for config, code in (({}, "missing_field"), ({"loft": "n", "speed": "fast"}, "bad_param"),
                         ({"loft": "n", "colour": "grey"}, "bad_param")):
        with pytest.raises(DomainError) as err:
            check_config("pigeon", config)
        assert err.value.code == code
    with pytest.raises(DomainError) as err:
        channels.check_secrets("pigeon", {}, creating=True)
    assert err.value.code == "missing_field"
    built = channels.build("pigeon", {"loft": "north"}, {"ring": "r1"}, "/unused", 1)
    assert built.send(Message(to="+14155552671", body="x")) == "coo-+14155552671"
    assert channels.address_kind("pigeon", {}) == "number"
