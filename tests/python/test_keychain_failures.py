"""A keychain that fails to answer, on the real Secret Service (GNOME Keyring on a private bus): a read that fails
is tried again, reads never overlap, what keyring leaves open is closed, and a channel is never built, sent
through or edited with secrets missing because the keychain failed. A campaign reads its channel's secrets once.

The failures are real ones: the backend is keyring's own Secret Service backend, told for a few calls to look
for a collection the daemon does not have (keyring's InitError path, D-Bus connection and all)."""
import os
import threading
import time

import keyring
import pytest
from keyring.backends.SecretService import Keyring as SecretServiceKeyring

from core import errors
from core.errors import DomainError
from fakes.whatsapp import FakeWhatsApp
from messaging import channel_store, ledger, secrets
from support.runner import make_campaign, run_timed, whatsapp_channel

MISSING_COLLECTION = "/org/freedesktop/secrets/collection/no_such_collection"


@pytest.fixture(scope="module", autouse=True)
def module_keychain(keychain):
    """These tests need the real Secret Service."""
    yield


class FailingReads(SecretServiceKeyring):
    """keyring's Secret Service backend whose next FAILURES reads fail the way a daemon that cannot give the
    collection makes them fail; it counts reads and the most that ever ran at once."""

    def __init__(self, failures=0):
        super().__init__()
        self.failures, self.reads, self.active, self.most_active = failures, 0, 0, 0
        self.count_lock = threading.Lock()

    def get_password(self, service, username):
        """A real read, failing while failures remain (slow enough that overlapping callers would show)."""
        with self.count_lock:
            self.reads += 1
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            failing = self.failures > 0
            self.failures -= 1 if failing else 0
        try:
            time.sleep(0.02)
            if failing:
                self.preferred_collection = MISSING_COLLECTION
            return super().get_password(service, username)
        finally:
            self.__dict__.pop("preferred_collection", None)
            with self.count_lock:
                self.active -= 1


@pytest.fixture
def backend():
    """Install a FailingReads backend for the test (no failures until the test asks), then restore keyring's."""
    before = keyring.get_keyring()
    chosen = FailingReads()
    keyring.set_keyring(chosen)
    yield chosen
    keyring.set_keyring(before)


def keychain_channel(conn, data_dir, **secret_values):
    """A Cloud API channel saved with SECRET_VALUES (into the keychain, which is working when this is called)."""
    return channel_store.create(conn, {"name": "wa", "type": "whatsapp", "secrets": secret_values,
                                       "config": {"phone_number_id": "1"}}, data_dir)


def open_fds():
    """How many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def test_a_read_that_fails_twice_is_tried_again_and_returns_the_secret(store, backend):
    data_dir, conn = store
    channel = keychain_channel(conn, data_dir, access_token="tok-1")
    assert secrets.status(data_dir)["store"] == secrets.KEYCHAIN
    backend.failures = 2
    assert secrets.load(channel["id"], data_dir) == {"access_token": "tok-1"}
    assert backend.reads == 3 and backend.failures == 0


def test_a_keychain_that_never_answers_is_a_clear_unavailable_and_leaves_no_connection_open(store, backend):
    data_dir, conn = store
    channel = keychain_channel(conn, data_dir, access_token="tok-1")
    secrets.load(channel["id"], data_dir)  # warm up: keyring's imports and the first bus connection
    before = open_fds()
    backend.failures = 1000
    for _ in range(3):
        with pytest.raises(DomainError) as refused:
            secrets.load(channel["id"], data_dir)
        assert refused.value.code == "secrets_unreadable" and refused.value.kind == errors.UNAVAILABLE  # a 503
        assert "keychain could not be read" in refused.value.message
    assert backend.reads == 1 + 3 * secrets.KEYCHAIN_READ_TRIES
    # Nine failed reads, each of which opened a D-Bus connection that keyring dropped without closing it.
    assert open_fds() <= before


def test_with_the_keychain_failing_the_encrypted_file_still_answers(store, backend):
    data_dir, conn = store
    channel = keychain_channel(conn, data_dir, access_token="tok-1")
    secrets.required_file_store(data_dir).set(secrets.account(channel["id"]), {"access_token": "from-file"})
    backend.failures = 1000
    assert secrets.load(channel["id"], data_dir) == {"access_token": "from-file"}


def test_eight_threads_reading_at_once_reach_the_keychain_one_at_a_time(store, backend):
    data_dir, conn = store
    channel = keychain_channel(conn, data_dir, access_token="tok-1")
    start, results = threading.Barrier(8), []

    def read():
        start.wait()
        results.append(secrets.load(channel["id"], data_dir))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [{"access_token": "tok-1"}] * 8
    assert backend.reads == 8 and backend.most_active == 1


def test_an_edit_with_the_keychain_unreadable_is_refused_and_keeps_every_secret(store, backend):
    data_dir, conn = store
    channel = keychain_channel(conn, data_dir, access_token="tok-1", app_secret="app-1")
    backend.failures = 1000
    with pytest.raises(DomainError) as refused:
        channel_store.update(conn, channel["id"], {"secrets": {"access_token": "tok-2"}}, data_dir)
    assert refused.value.code == "secrets_unreadable"
    backend.failures = 0
    assert secrets.load(channel["id"], data_dir) == {"access_token": "tok-1", "app_secret": "app-1"}


def test_a_campaign_reads_its_secrets_once_and_sends_everything_despite_a_failing_first_read(store, backend):
    data_dir, conn = store
    with FakeWhatsApp(latency=0.05) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 32, {"per_minute": 60000, "concurrency": 8})
        backend.reads, backend.failures = 0, 2
        run_timed(data_dir, campaign["id"])
    assert ledger.counts(conn, campaign["id"])["sent"] == 32 and len(server.messages) == 32
    assert backend.reads == 3  # two failed tries and the one that answered, for all eight send threads


def test_a_campaign_whose_keychain_cannot_be_read_pauses_saying_so_and_sends_nothing(store, backend):
    data_dir, conn = store
    with FakeWhatsApp(latency=0.05) as server:
        campaign = make_campaign(conn, whatsapp_channel(conn, server), 32, {"per_minute": 60000, "concurrency": 8})
        backend.failures = 1000
        run_timed(data_dir, campaign["id"])
    row = conn.execute("SELECT status, pause_reason FROM campaigns WHERE id=?", (campaign["id"],)).fetchone()
    assert row[0] == "paused" and "keychain could not be read" in row[1], row
    assert server.messages == [] and ledger.counts(conn, campaign["id"])["sent"] == 0
