"""A campaign's attachment: typed by its bytes within WhatsApp's limits, refused clearly otherwise, nothing left
behind; sent with the rendered text as its caption; a file gone before the start is refused and one gone during
the campaign pauses it with the reason."""
import io
import os
import time

import pytest
from support import whatsapp
from support.sidecar import wait_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
PDF = b"%PDF-1.7\n" + b"1" * 5000
NUMBERS = ["+4915112345101", "+4915112345102", "+4915112345103"]


@pytest.fixture
def fake():
    """The fake WhatsApp with NUMBERS on it."""
    yield from whatsapp.fake_with(NUMBERS)


@pytest.fixture
def api(tmp_path, fake):
    """A real sidecar whose engines talk to the fake."""
    yield from whatsapp.sidecar_for(tmp_path, fake)


def upload(api, name, data):
    """POST /attachments with one file."""
    import requests
    return requests.post(api.url + "/attachments", files={"file": (name, io.BytesIO(data))}, timeout=60)


@pytest.mark.parametrize("name,data,kind,mime", [
    ("photo.png", PNG, "image", "image/png"), ("offer.pdf", PDF, "document", "application/pdf"),
    ("prices.csv", b"name,price\nTea,2\n", "document", "text/csv"),
    ("deck.docx", b"PK\x03\x04" + b"\0" * 200, "document",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
def test_allowed_files_are_typed_by_their_bytes(api, name, data, kind, mime):
    r = upload(api, name, data)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["kind"], body["mime"], body["size"], body["file_name"]) == (kind, mime, len(data), name)
    assert "path" not in body and api.get("/attachments/" + body["id"]).json() == body


@pytest.mark.parametrize("name,data,status,code", [
    ("tool.exe", b"MZ\x90\0" + b"\0" * 100, 415, "attachment_type"),
    ("fake.pdf", b"just text pretending", 415, "attachment_type"),
    ("photo.png.txt", b"\x00\x01\x02binary", 415, "attachment_type"),
    ("empty.pdf", b"", 400, "attachment_empty"),
    ("big.png", PNG + b"\0" * (5 * 1024 * 1024), 413, "attachment_too_large")])
def test_other_files_are_refused_with_a_code_and_leave_nothing_behind(api, name, data, status, code):
    r = upload(api, name, data)
    assert r.status_code == status and r.json()["code"] == code, r.text
    folder = os.path.join(api.data_dir, "attachments")
    assert not os.path.isdir(folder) or os.listdir(folder) == []


def linked(api, fake):
    """A linked channel's id."""
    return whatsapp.linked_channel(api, fake, "WA")


def create(api, channel_id, attachment_id, per_minute=6000):
    """A campaign to NUMBERS with the attachment; the answer."""
    contacts = [{"number": n, "name": "R%d" % i} for i, n in enumerate(NUMBERS)]
    list_id = api.post("/lists", {"name": "att %d" % time.monotonic_ns(), "contacts": contacts}).json()["list"]["id"]
    return api.post("/campaigns", {"name": "att", "list_id": list_id, "channel_id": channel_id, "body": "Offer for {{name}}",
                                   "options": {"attachment": {"id": attachment_id}},
                                   "pacing": {"per_minute": per_minute, "min_delay": 0, "max_delay": 0, "warmup": False}})


def test_the_attachment_goes_with_every_message_and_the_text_as_caption(api, fake):
    attachment = upload(api, "offer.pdf", PDF).json()
    campaign = create(api, linked(api, fake), attachment["id"]).json()
    api.post("/campaigns/%d/start" % campaign["id"])
    wait_for(lambda: api.get("/campaigns/%d" % campaign["id"]).json()["status"] == "completed", 60)
    for i, number in enumerate(NUMBERS):
        sent = fake.inbox(number)[0]
        assert sent["text"] == "Offer for R%d" % i
        assert sent["attachment"] == {"file_name": "offer.pdf", "size": len(PDF), "mime": "application/pdf",
                                      "kind": "document"}


def test_a_channel_without_attachments_refuses_one(api):
    attachment = upload(api, "photo.png", PNG).json()
    channel_id = api.post("/channels", {"name": "dry", "type": "dry_run", "config": {}}).json()["id"]
    r = create(api, channel_id, attachment["id"])
    assert r.status_code == 400 and r.json()["code"] == "attachment_unsupported"


def test_a_file_gone_before_the_start_is_refused_and_during_the_campaign_pauses_it(api, fake):
    channel_id = linked(api, fake)
    attachment = upload(api, "offer.pdf", PDF).json()
    path = os.path.join(api.data_dir, "attachments", attachment["id"])
    campaign = create(api, channel_id, attachment["id"]).json()
    os.rename(path, path + ".away")
    r = api.post("/campaigns/%d/start" % campaign["id"])
    assert r.status_code == 400 and r.json()["code"] == "attachment_missing"
    os.rename(path + ".away", path)
    slow = create(api, channel_id, attachment["id"], per_minute=30).json()
    api.post("/campaigns/%d/start" % slow["id"])
    wait_for(lambda: len(fake.sent) >= 1, 30)
    os.remove(path)
    stopped = wait_for(lambda: (lambda c: c if c["status"] != "running" else None)(
        api.get("/campaigns/%d" % slow["id"]).json()), 30)
    assert stopped["status"] == "paused" and stopped["pause_reason"].startswith("attachment_missing")
    assert stopped["counts"]["sent"] == 1 and stopped["counts"]["pending"] == 2
