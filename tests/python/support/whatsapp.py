"""What the WhatsApp Web tests share: the fake WhatsApp with numbers on it, a sidecar whose engines talk to it,
linking a channel through the QR flow, and finding the engine processes of a data directory."""
import os

from fakes.wa_web import FakeWhatsApp
from support.sidecar import Sidecar, wait_for


def fake_with(numbers, qr_interval=1.0):
    """A running fake WhatsApp with NUMBERS on it (each under its own id), for a fixture to yield from."""
    with FakeWhatsApp(accounts={n: n.lstrip("+") + "@s.whatsapp.net" for n in numbers},
                      qr_interval=qr_interval) as fake:
        yield fake


def sidecar_for(home, fake, **kwargs):
    """A running sidecar in HOME whose engines talk to FAKE, for a fixture to yield from."""
    server = Sidecar(home, env={"BULKMSG_WA_FAKE_SERVER": fake.url}, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def link_state(api, channel_id):
    """GET the channel's link state."""
    r = api.get("/channels/%d/whatsapp-web" % channel_id)
    assert r.status_code == 200, r.text
    return r.json()


def wait_status(api, channel_id, status, timeout=30):
    """Wait until the link state is STATUS; the state."""
    return wait_for(lambda: (lambda s: s if s["status"] == status else None)(link_state(api, channel_id)),
                    timeout=timeout)


def linked_channel(api, fake, name="My WhatsApp", config=None):
    """A whatsapp_web channel linked through the QR flow; its id."""
    r = api.post("/channels", {"name": name, "type": "whatsapp_web", "config": config or {"typing": 0}})
    assert r.status_code == 201, r.text
    channel_id = r.json()["id"]
    assert link_state(api, channel_id)["status"] == "not_linked"
    assert api.post("/channels/%d/whatsapp-web/link" % channel_id).status_code == 200
    wait_status(api, channel_id, "waiting_for_scan", timeout=60)
    fake.link(number="+15550001111", push_name="Ann")
    wait_status(api, channel_id, "connected", timeout=60)
    return channel_id


def engine_pids(data_dir):
    """Pids of the WhatsApp Web engines serving DATA_DIR (found by their session folder)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        if any(item.startswith(b"WA_SESSION_DIR=" + data_dir.encode()) for item in environ):
            pids.append(int(name))
    return pids
