"""Flask glue of the messaging store: a request-scoped connection, the campaign manager, error mapping."""
import atexit
import logging
import sqlite3

from flask import current_app, g
from messaging import db, storage
from core import errors
from core.errors import DomainError
from messaging.receipts.sync import SyncLoop
from messaging.runner import CampaignManager
from messaging.team.manager import TeamCampaignManager
from messaging.whatsapp_web import sessions

from ..settings import child_environment


log = logging.getLogger("sidecar")


def get_db():
    """This request's connection to the messaging store (opened on first use)."""
    if "messaging_db" not in g:
        problem = current_app.extensions.get("messaging_problem")
        if problem is not None and not reopened(current_app):
            raise problem
        g.messaging_db = db.connect(db.db_path(current_app.config["DATA_DIR"]))
    return g.messaging_db


def reopened(app):
    """Team mode: whether the database that could not be opened at start opens now (a PostgreSQL server
    started after the API, or back from a restart); the desktop's file problems stay until a restart."""
    if db.DATABASE_URL is None or not open_store(app):
        return False
    app.extensions.pop("messaging_problem", None)
    log.info("messaging store opened after all")
    return True


def close_db(_exc=None):
    """Close this request's connection, if any."""
    conn = g.pop("messaging_db", None)
    if conn is not None:
        conn.close()


def manager():
    """The app's campaign manager."""
    return current_app.extensions["campaigns"]


def open_store(app):
    """Create or upgrade the schema once at start; remember a refusal (e.g. a newer file) for requests."""
    try:
        db.open_store(app.config["DATA_DIR"]).close()
    except DomainError as err:
        problem = err
    except Exception as err:  # unreadable file, full disk, database server down: the rest of the app still works
        if not isinstance(err, sqlite3.Error) and not storage.is_postgres_error(err):
            raise
        problem = DomainError("store_unavailable", "The saved-lists database cannot be opened (%s)."
                                 % type(err).__name__, errors.UNAVAILABLE)
        if storage.classify(err) is not None:
            app.extensions["campaigns"].storage.report(err, "Started without the saved-lists database.")
    else:
        return True
    log.error("messaging store unavailable: %s", problem.message)
    app.extensions["messaging_problem"] = problem
    return False


def init_app(app):
    """Open the store, register the glue, and resume campaigns a crash left running."""
    app.teardown_appcontext(close_db)
    # Team mode: `app.py worker` processes run the campaigns and this process only changes their state, unless
    # it was told to send itself (API_SENDS: one server process and no workers, the desktop runner on its store).
    workers_send = app.config.get("TEAM_MODE") and not app.config.get("API_SENDS")
    manager_class = TeamCampaignManager if workers_send else CampaignManager
    campaigns = manager_class(app.config["DATA_DIR"])
    app.extensions["campaigns"] = campaigns
    app.extensions["storage"] = campaigns.storage
    linked = sessions.configure(app.config["DATA_DIR"], node=app.config.get("WA_NODE"),
                                engine_dir=app.config.get("WA_ENGINE_DIR"),
                                fake_server=app.config.get("WA_FAKE_SERVER"), campaigns=campaigns,
                                region=app.config.get("DEFAULT_REGION"), base_env=child_environment())
    if open_store(app):
        if not workers_send:  # with workers, the worker holding a session runs its engine
            linked.start_linked(whatsapp_web_channels(app.config["DATA_DIR"]))  # no re-scan after a restart
        if app.config.get("MESSAGING_RESUME", True):
            campaigns.resume_interrupted()  # a full disk makes this a read-only start, never a crash
        if app.config.get("SYNC_SECONDS"):
            poller = SyncLoop(app.config["DATA_DIR"], float(app.config["SYNC_SECONDS"])).start()
            atexit.register(poller.stop)
    atexit.register(campaigns.shutdown)
    atexit.register(sessions.forget, app.config["DATA_DIR"])


def whatsapp_web_channels(data_dir):
    """Ids of the WhatsApp Web channels that are not archived."""
    conn = db.connect(db.db_path(data_dir))
    try:
        return [r[0] for r in conn.execute("SELECT id FROM channels WHERE type='whatsapp_web' AND archived_at IS NULL")]
    finally:
        conn.close()
