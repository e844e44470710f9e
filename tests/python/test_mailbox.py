"""The bounce mailbox: reading new mails over IMAP (a real loopback server) and classifying them."""
import email.message
import email.utils
import random
import socket
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from fakes.imap import FakeImap
from messaging import mailbox
from messaging.mailbox import Bounce, Ignored, MailboxConfig, MailboxError, Reply, Unsubscribe

DATE = "Tue, 02 Jan 2024 10:00:00 +0000"
EPOCH = 1704189600.0


def config(server, password="imap-s3cret", folder="INBOX"):
    """A MailboxConfig for the fake server (plain IMAP on loopback)."""
    return MailboxConfig("127.0.0.1", server.port, "none", server.user, password, folder, timeout=5.0)


def plain(subject, sender="ann@example.org", body="Hello", **headers):
    """A simple text mail as bytes."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, "news@example.com", subject, DATE
    msg["Message-ID"] = email.utils.make_msgid(domain="example.org")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def original(message_id="<170.123@example.com>", to="bob@example.net"):
    """The mail we sent, as returned inside a bounce."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "news@example.com", to, "Our news", message_id
    msg.set_content("The newsletter.")
    return msg


def status_block(**fields):
    """One header block of a message/delivery-status part."""
    block = email.message.Message()
    for name, value in fields.items():
        block[name.replace("_", "-")] = value
    return block


def dsn(recipients, subject="Undelivered Mail Returned to Sender", returned="headers"):
    """An RFC 3464 report like Postfix's: text, delivery-status (per-message + per-recipient blocks), returned mail.
    RECIPIENTS: [(address, action, status, diagnostic)]."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.example.com (Mail Delivery System)"
    report["To"], report["Subject"], report["Date"] = "news@example.com", subject, DATE
    report.attach(MIMEText("This is the mail system at host mx.example.com.\nI'm sorry to have to inform you..."))
    status = MIMEBase("message", "delivery-status")
    blocks = [status_block(Reporting_MTA="dns; mx.example.com", Arrival_Date=DATE)]
    for address, action, code, diagnostic in recipients:
        blocks.append(status_block(Final_Recipient="rfc822; " + address, Original_Recipient="rfc822;" + address,
                                   Action=action, Status=code, Diagnostic_Code="smtp; " + diagnostic))
    status.set_payload(blocks)
    report.attach(status)
    sent = original()
    if returned == "headers":
        report.attach(MIMEText(str(sent).split("\n\n", 1)[0] + "\n", "rfc822-headers"))
    else:
        report.attach(MIMEMessage(sent))
    return report.as_bytes()


def two_failed():
    """A Postfix DSN for two unknown users."""
    return dsn([("bob@example.net", "failed", "5.1.1", "550 5.1.1 <bob@example.net>: Recipient address rejected"),
                ("Carol@Example.net", "failed", "5.2.2", "552 5.2.2 Mailbox full")])


def exchange_undeliverable():
    """An Exchange-style report: no delivery-status part, the returned headers, an 'Undeliverable:' subject."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "postmaster@corp.example"
    report["To"], report["Subject"], report["Date"] = "news@example.com", "Undeliverable: Our news", DATE
    report.attach(MIMEText("Delivery has failed to these recipients or groups:\n\ndan@corp.example\n"
                           "The email address you entered couldn't be found."))
    report.attach(MIMEText(str(original(to="dan@corp.example")).split("\n\n", 1)[0] + "\n", "rfc822-headers"))
    return report.as_bytes()


def reply_mail():
    """A person's reply quoting our mail (Gmail style, the attribution wrapped over two lines)."""
    body = ("Yes please, count me in!\n\nAnn\n\nOn Mon, 1 Jan 2024 at 09:00, News Team <\nnews@example.com> wrote:\n"
            "> The newsletter.\n> Reply to join.\n")
    return plain("Re: Our news", '"Example, Ann" <Ann@Example.org>', body, In_Reply_To="<170.123@example.com>",
                 References="<169.1@example.com> <170.123@example.com>")


def fixtures():
    """Every mail built here, for the fuzz test."""
    return [two_failed(), dsn([("x@example.net", "delivered", "2.0.0", "250 ok")]), dsn([], returned="message"),
            dsn([("y@example.net", "failed", "5.1.1", "550 no")], returned="message"), exchange_undeliverable(),
            plain("unsubscribe"), reply_mail(), plain("Out of office", Auto_Submitted="auto-replied"), b""]


# -- IMAP -----------------------------------------------------------------------------------------------------

def test_first_run_reads_everything_and_returns_a_cursor():
    with FakeImap() as server:
        for i in range(3):
            server.add(plain("Question %d" % i, body="Question number %d" % i))
        items, cursor = mailbox.fetch_new(config(server), None)
    assert [item.body for item in items] == ["Question number 0", "Question number 1", "Question number 2"]
    assert cursor == {"uidvalidity": 1000, "last_uid": 3}
    assert server.fetched_uids == [1, 2, 3]
    assert server.logouts == 1


def test_second_run_returns_only_new_mails():
    with FakeImap() as server:
        server.add(plain("First", body="one"))
        _, cursor = mailbox.fetch_new(config(server), None)
        nothing, same = mailbox.fetch_new(config(server), cursor)
        server.add(plain("Second", body="two"))
        items, after = mailbox.fetch_new(config(server), same)
    assert nothing == [] and same == cursor  # '2:*' still matches UID 1 on the server; it must be dropped
    assert [item.body for item in items] == ["two"]
    assert after == {"uidvalidity": 1000, "last_uid": 2}
    assert server.fetched_uids == [1, 2]


def test_changed_uidvalidity_restarts_from_the_first_mail():
    with FakeImap() as server:
        server.add(plain("First", body="one"))
        server.add(plain("Second", body="two"))
        _, cursor = mailbox.fetch_new(config(server), None)
        server.uidvalidity = 2024
        items, after = mailbox.fetch_new(config(server), cursor)
    assert [item.body for item in items] == ["one", "two"]
    assert after == {"uidvalidity": 2024, "last_uid": 2}


def test_at_most_max_messages_per_call_and_the_cursor_stops_there():
    with FakeImap() as server:
        for i in range(5):
            server.add(plain("Q", body="m%d" % i))
        first, cursor = mailbox.fetch_new(config(server), None, max_messages=2)
        rest, end = mailbox.fetch_new(config(server), cursor, max_messages=10)
    assert [i.body for i in first] == ["m0", "m1"] and cursor["last_uid"] == 2
    assert [i.body for i in rest] == ["m2", "m3", "m4"] and end["last_uid"] == 5


def test_the_folder_is_opened_read_only_and_nothing_is_flagged_seen():
    with FakeImap() as server:
        server.add(plain("Hello"))
        mailbox.fetch_new(config(server), None)
    assert "EXAMINE" in server.commands
    assert not {"SELECT", "STORE", "UID STORE", "EXPUNGE", "CLOSE"} & set(server.commands)
    assert server.seen == set()


def test_wrong_password_is_imap_auth_without_the_password():
    with FakeImap() as server:
        with pytest.raises(MailboxError) as caught:
            mailbox.fetch_new(config(server, password="Wr0ng-Pa55word"), None)
        assert server.logouts == 1  # the session is still closed properly
    assert caught.value.code == "imap_auth"
    assert "Invalid credentials" in caught.value.message
    assert "Wr0ng-Pa55word" not in caught.value.message and "Wr0ng-Pa55word" not in str(caught.value)


def test_fail_login_flag_refuses_the_right_password():
    with FakeImap() as server:
        server.fail_login = True
        with pytest.raises(MailboxError) as caught:
            mailbox.fetch_new(config(server), None)
    assert caught.value.code == "imap_auth" and "imap-s3cret" not in caught.value.message


def test_closed_port_is_imap_connect_naming_host_and_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = MailboxConfig("127.0.0.1", port, "none", "u", "pw-secret", timeout=3.0)
    with pytest.raises(MailboxError) as caught:
        mailbox.fetch_new(cfg, None)
    assert caught.value.code == "imap_connect"
    assert "127.0.0.1:%d" % port in caught.value.message and "refused" in caught.value.message.lower()


def test_starttls_against_a_server_without_it_fails_before_the_password_is_sent():
    with FakeImap() as server:
        cfg = config(server)
        cfg.security = "starttls"
        with pytest.raises(MailboxError) as caught:
            mailbox.fetch_new(cfg, None)
    assert caught.value.code == "imap_protocol" and "STARTTLS" in caught.value.message
    assert "LOGIN" not in server.commands


def test_implicit_tls_against_a_plain_server_is_imap_connect():
    with FakeImap() as server:
        cfg = config(server)
        cfg.security = "ssl"
        with pytest.raises(MailboxError) as caught:
            mailbox.fetch_new(cfg, None)
    assert caught.value.code == "imap_connect" and "127.0.0.1:%d" % server.port in caught.value.message
    assert "LOGIN" not in server.commands


def test_unknown_folder_is_imap_folder():
    with FakeImap() as server:
        with pytest.raises(MailboxError) as caught:
            mailbox.fetch_new(config(server, folder="Bounces 2024"), None)
    assert caught.value.code == "imap_folder" and "Bounces 2024" in caught.value.message


def test_a_refused_search_is_imap_protocol():
    with FakeImap() as server:
        server.add(plain("Hello"))
        server.bad_commands.add("UID SEARCH")
        with pytest.raises(MailboxError) as caught:
            mailbox.fetch_new(config(server), None)
    assert caught.value.code == "imap_protocol"


# -- classify -------------------------------------------------------------------------------------------------

def test_postfix_dsn_with_two_failed_recipients_gives_two_bounces():
    items = mailbox.classify(two_failed())
    assert items == [
        Bounce("<170.123@example.com>", "bob@example.net", "failed", "5.1.1",
               "550 5.1.1 <bob@example.net>: Recipient address rejected", EPOCH),
        Bounce("<170.123@example.com>", "carol@example.net", "failed", "5.2.2", "552 5.2.2 Mailbox full", EPOCH)]


def test_delivered_dsn_has_action_delivered():
    [item] = mailbox.classify(dsn([("x@example.net", "delivered", "2.0.0", "250 2.0.0 Ok: queued")],
                                  subject="Successful Mail Delivery Report"))
    assert (item.action, item.status, item.recipient, item.message_id) == \
        ("delivered", "2.0.0", "x@example.net", "<170.123@example.com>")


def test_bounce_returning_the_whole_message_takes_its_message_id():
    [item] = mailbox.classify(dsn([("y@example.net", "failed", "5.1.1", "550 no such user")], returned="message"))
    assert isinstance(item, Bounce) and item.message_id == "<170.123@example.com>" and item.status == "5.1.1"


def test_exchange_undeliverable_report_without_status_part_is_a_failed_bounce():
    [item] = mailbox.classify(exchange_undeliverable())
    assert isinstance(item, Bounce)
    assert (item.message_id, item.recipient, item.action, item.status) == \
        ("<170.123@example.com>", "dan@corp.example", "failed", "5.0.0")
    assert "couldn't be found" in item.diagnostic


def test_unsubscribe_mail_gives_the_sender_lower_cased():
    assert mailbox.classify(plain("  UNSUBSCRIBE me", sender="Ann Example <Ann@Example.ORG>")) == \
        [Unsubscribe("ann@example.org", EPOCH)]


def test_reply_drops_the_quoted_part_and_keeps_threading_headers():
    [item] = mailbox.classify(reply_mail())
    assert isinstance(item, Reply)
    assert (item.address, item.name) == ("ann@example.org", "Example, Ann")
    assert item.body == "Yes please, count me in!\n\nAnn"
    assert item.in_reply_to == "<170.123@example.com>"
    assert item.references == ["<169.1@example.com>", "<170.123@example.com>"]
    assert item.message_id.startswith("<") and item.ts == EPOCH


def test_html_only_reply_is_stripped_of_tags_and_outlook_quote():
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "bob@example.net", "RE: Our news"
    msg.set_content("<p>Not for me, thanks &amp; bye.</p><p>-----Original Message-----</p><p>From: News</p>",
                    subtype="html")
    [item] = mailbox.classify(msg.as_bytes())
    assert item.body == "Not for me, thanks & bye." and item.ts is None


@pytest.mark.parametrize("headers, sender", [
    ({"Auto_Submitted": "auto-replied"}, "ann@example.org"),
    ({"Precedence": "bulk"}, "ann@example.org"),
    ({"Precedence": "list"}, "ann@example.org"),
    ({}, "MAILER-DAEMON@mx.example.com"),
    ({}, "Postmaster <postmaster@example.net>"),
])
def test_auto_replies_and_mail_system_messages_are_ignored(headers, sender):
    [item] = mailbox.classify(plain("Out of office", sender=sender, **headers))
    assert isinstance(item, Ignored)


def test_auto_submitted_no_is_a_person():
    [item] = mailbox.classify(plain("Re: news", Auto_Submitted="no", body="Thanks"))
    assert isinstance(item, Reply) and item.body == "Thanks"


def test_fuzzed_and_truncated_mails_never_raise():
    rng = random.Random(1)
    sources = fixtures()
    kinds = (Bounce, Unsubscribe, Reply, Ignored)
    for n in range(200):
        data = bytearray(rng.choice(sources))
        if n % 2 and data:
            del data[rng.randrange(len(data)):]
        for _ in range(rng.randint(1, 20)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        items = mailbox.classify(bytes(data))
        assert isinstance(items, list) and items and all(isinstance(i, kinds) for i in items)
