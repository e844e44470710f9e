"""Shared fixtures: the real sidecar on a free port, a keychain, an in-process client.

The helpers behind them live in support/ (tests import them from there, never from another test module)."""
import os

import pytest

from fakes.keychain import ensure_keychain
from support import postgres, sidecar as sidecar_support
from support.sidecar import Sidecar

# Which storage engine this run uses: the embedded SQLite file (default) or a throw-away PostgreSQL cluster
# (BULKMSG_TEST_ENGINE=postgresql; .ci/run runs the storage, runner and API tests a second time that way).
ENGINE = os.environ.get("BULKMSG_TEST_ENGINE", "sqlite")


@pytest.fixture(scope="session", autouse=True)
def postgres_cluster():
    """On the PostgreSQL engine: one cluster for the session (stopped and removed at the end, also on failure)."""
    if ENGINE != "postgresql":
        yield None
        return
    if postgres.bin_dir() is None:
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI runs the PostgreSQL engine but no PostgreSQL is installed (scripts/setup --system)")
        pytest.skip("BULKMSG_TEST_ENGINE=postgresql but PostgreSQL is not installed here (apt-get install postgresql)")
    cluster = postgres.Cluster()
    try:
        cluster.start().make_template()
        claims = {}
        sidecar_support.DATABASE = lambda data_dir: claim_database(cluster, claims, data_dir)
        yield cluster
    finally:
        sidecar_support.DATABASE = None
        cluster.stop()


def claim_database(cluster, claims, data_dir):
    """DATA_DIR's database: the current test's own for the first data dir that asks, else a fresh one."""
    from messaging import db

    if data_dir not in claims:
        current = db.DATABASE_URL
        claims[data_dir] = current if current and current not in claims.values() else cluster.fresh_database()
    return claims[data_dir]


@pytest.fixture(autouse=True)
def engine(postgres_cluster):
    """"sqlite" or "postgresql"; on PostgreSQL each test gets a fresh database migrated to HEAD."""
    if postgres_cluster is None:
        yield "sqlite"
        return
    from messaging import db

    db.configure(postgres_cluster.fresh_database())
    yield "postgresql"
    db.configure(None)


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
