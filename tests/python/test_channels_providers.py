"""Each channel against a real local server speaking the provider's format, errors included."""
import json

import pytest
from fakes.smtp import FakeSmtp
from fakes.twilio import FakeTwilio
from fakes.whatsapp import FakeWhatsApp
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
    assert down.value.kind == base.TRANSIENT and down.value.code == "connect_failed"


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
    assert server.messages == [{"to": "+14155552671", "id": sid, "body": "Hi Ann & co = 100%", "from": "+15005550006"}]


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
    assert err.value.code == code and err.value.status == 400
