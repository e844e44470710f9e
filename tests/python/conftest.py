"""Shared fixtures: the real sidecar on a free port, a keychain, an in-process client.

The helpers behind them live in support/ (tests import them from there, never from another test module)."""
import pytest

from fakes.keychain import ensure_keychain
from support.sidecar import Sidecar


@pytest.fixture(scope="session")
def sidecar(tmp_path_factory):
    """One real sidecar for the whole session."""
    server = Sidecar(tmp_path_factory.mktemp("sidecar")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keychain():
    """A usable keychain for the sidecars started after it: the system's, or a private Secret Service."""
    private = ensure_keychain()
    yield
    if private is not None:
        private.stop()


@pytest.fixture
def fresh_sidecar(tmp_path):
    """A real sidecar of this test's own (for tests that need a clean data directory)."""
    server = Sidecar(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def api(tmp_path):
    """A real sidecar of this test's own, started (modules that need another kind define their own `api`)."""
    server = Sidecar(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path):
    """The Flask app in-process, with a temporary data directory."""
    from sidecar import create_app

    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "DEFAULT_REGION": "US"})


@pytest.fixture
def client(app):
    """A test client of the in-process app."""
    return app.test_client()


@pytest.fixture
def store(tmp_path):
    """(data_dir, connection) of a fresh messaging store in a temporary data directory."""
    from messaging import db

    data_dir = str(tmp_path)
    conn = db.open_store(data_dir)
    yield data_dir, conn
    conn.close()
