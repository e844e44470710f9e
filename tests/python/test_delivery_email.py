"""Email delivery truth against the real sidecar: every campaign mail carries a List-Unsubscribe mailto header,
and the channel's bounce mailbox (a real IMAP server on loopback) is read for delivery status notifications,
unsubscribe requests and replies."""
import csv
import email.utils
import io

import pytest
from fakes.imap import FakeImap
from fakes.smtp import FakeSmtp
from support.delivery import counts, rows, run_campaign

RECIPIENTS = ["ann@example.org", "bob@example.org", "cy@example.org"]


@pytest.fixture
def servers(tmp_path):
    """(the SMTP server, the IMAP mailbox), both on loopback."""
    with FakeSmtp(str(tmp_path), "none") as smtp, FakeImap() as imap:
        yield smtp, imap



def smtp_channel(api, smtp, imap=None, password="imap-s3cret"):
    """An SMTP channel, with the bounce mailbox when IMAP is given; its id."""
    config = {"host": "127.0.0.1", "port": smtp.port, "security": "none", "from_address": "news@example.com"}
    secrets = {}
    if imap is not None:
        config.update(imap_host="127.0.0.1", imap_port=imap.port, imap_security="none", imap_user=imap.user)
        secrets["imap_password"] = password
    r = api.post("/channels", {"name": "Mail", "type": "smtp", "config": config, "secrets": secrets})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def dsn(original_id, recipient, status="5.1.1", action="failed"):
    """A Postfix-style RFC 3464 delivery status notification for the mail ORIGINAL_ID."""
    return ("From: MAILER-DAEMON@mx.example.org\r\nTo: bounces@example.com\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nDate: %s\r\nMessage-ID: <dsn.%s>\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
            "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be "
            "delivered.\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; "
            "mx.example.org\r\nArrival-Date: %s\r\n\r\nFinal-Recipient: rfc822; %s\r\nOriginal-Recipient: rfc822;%s\r\n"
            "Action: %s\r\nStatus: %s\r\nDiagnostic-Code: smtp; 550 %s User unknown\r\n\r\n--B\r\n"
            "Content-Type: text/rfc822-headers\r\n\r\nFrom: news@example.com\r\nTo: %s\r\nSubject: Hi\r\n"
            "Message-ID: %s\r\n\r\n--B--\r\n" % (email.utils.formatdate(), recipient, email.utils.formatdate(),
                                                 recipient, recipient, action, status, status, recipient,
                                                 original_id)).encode()


def plain_mail(sender, subject, body, **headers):
    """A simple mail from SENDER."""
    extra = "".join("%s: %s\r\n" % (k.replace("_", "-"), v) for k, v in headers.items())
    return ("From: %s\r\nTo: bounces@example.com\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n%s"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n" % (
                sender, subject, email.utils.formatdate(), email.utils.make_msgid(), extra, body)).encode()


def sync(api, channel_id):
    """POST /channels/{id}/sync; the result."""
    r = api.post("/channels/%d/sync" % channel_id)
    assert r.status_code == 200, r.text
    return r.json()


def test_bounces_unsubscribes_and_replies_are_read_from_the_mailbox(api, servers):
    smtp, imap = servers
    channel_id = smtp_channel(api, smtp, imap)
    campaign_id = run_campaign(api, channel_id, RECIPIENTS, key="email", subject="Hello {{name}}")
    sent = {m["to"]: m for m in smtp.messages}
    assert {m["list_unsubscribe"] for m in sent.values()} == {"<mailto:bounces@example.com?subject=unsubscribe>"}
    imap.add(dsn(sent["bob@example.org"]["message_id"], "bob@example.org"))
    imap.add(dsn("<someone-else@example.com>", "zed@example.org"))  # not ours: left alone
    imap.add(plain_mail("Cy <CY@example.org>", "Unsubscribe", "Please remove me."))
    imap.add(plain_mail("Ann <ann@example.org>", "Re: Hello R0", "Yes, count me in!\r\n\r\nOn Tue, news wrote:\r\n"
                        "> Hello R0", In_Reply_To=sent["ann@example.org"]["message_id"]))
    result = sync(api, channel_id)
    assert (result["ok"], result["statuses"], result["messages"], result["unsubscribes"]) == (True, 1, 1, 1)
    by_address = rows(api, campaign_id)
    assert by_address["bob@example.org"]["delivery"] == "failed" and "5.1.1" in by_address["bob@example.org"]["error"]
    assert by_address["ann@example.org"]["delivery"] is None and by_address["ann@example.org"]["replied_at"]
    entries = api.get("/do-not-contact").json()["entries"]
    assert [(e["value"], e["source"]) for e in entries] == [("cy@example.org", "list_unsubscribe")]
    thread = api.get("/inbox/messages", params={"channel_id": channel_id, "address": "ann@example.org"}).json()
    assert [m["body"] for m in thread["messages"]] == ["Yes, count me in!"]
    assert thread["campaign_id"] == campaign_id and thread["name"] == "Ann"
    tally = counts(api, campaign_id)
    assert (tally["delivery_failed"], tally["replied"]) == (1, 1)
    report = {r["address"]: r for r in csv.DictReader(io.StringIO(
        api.get("/campaigns/%d/report" % campaign_id, params={"format": "csv"}).content.decode("utf-8-sig")))}
    assert report["bob@example.org"]["delivery"] == "failed" and report["ann@example.org"]["replied_at"]
    assert "EXAMINE" in imap.commands and "STORE" not in " ".join(imap.commands)  # the user's flags stay
    assert sync(api, channel_id)["statuses"] == 0  # read once: the cursor moved on
    assert api.get("/campaigns/%d" % campaign_id).json()["delivery_tracking"] is True


def test_a_mailbox_that_refuses_the_login_is_reported_not_fatal(api, servers):
    smtp, imap = servers
    channel_id = smtp_channel(api, smtp, imap, password="wrong")
    result = sync(api, channel_id)
    assert result["ok"] is False and "wrong" not in result["error"] and result["error"]
    imap.add(dsn("<x@example.com>", "x@example.org"))
    assert api.patch("/channels/%d" % channel_id, {"secrets": {"imap_password": "imap-s3cret"}}).status_code == 200
    assert sync(api, channel_id)["ok"] is True


def test_email_without_a_mailbox_says_it_stays_at_sent(api, servers):
    smtp, _ = servers
    channel_id = smtp_channel(api, smtp)
    campaign_id = run_campaign(api, channel_id, RECIPIENTS[:1], key="email", subject="Hi")
    assert api.get("/campaigns/%d" % campaign_id).json()["delivery_tracking"] is False
    assert sync(api, channel_id)["kind"] is None
    assert smtp.messages[0]["list_unsubscribe"] == "<mailto:news@example.com?subject=unsubscribe>"
