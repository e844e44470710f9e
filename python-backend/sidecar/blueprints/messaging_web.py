"""Flask glue of the messaging store: a request-scoped connection, the campaign manager, error mapping."""
import atexit
import logging
import sqlite3

from flask import current_app, g
from messaging import db
from messaging.errors import MessagingError
from messaging.runner import CampaignManager

from ..errors import error_response

log = logging.getLogger("sidecar")


def get_db():
    """This request's connection to the messaging store (opened on first use)."""
    if "messaging_db" not in g:
        problem = current_app.extensions.get("messaging_problem")
        if problem is not None:
            raise problem
        g.messaging_db = db.connect(db.db_path(current_app.config["DATA_DIR"]))
    return g.messaging_db


def close_db(_exc=None):
    """Close this request's connection, if any."""
    conn = g.pop("messaging_db", None)
    if conn is not None:
        conn.close()


def manager():
    """The app's campaign manager."""
    return current_app.extensions["campaigns"]


def handle_messaging_error(err):
    """MessagingError -> its JSON error."""
    return error_response(err.code, err.message, err.status)


def handle_overflow(_err):
    """An id or offset too big for SQLite's 64-bit integers is bad input, not a crash."""
    return error_response("bad_param", "A number in the request is too large.", 400)


def guard(blueprint):
    """Register the messaging error handlers on one of the messaging blueprints."""
    blueprint.register_error_handler(OverflowError, handle_overflow)
    return blueprint


def open_store(app):
    """Create or upgrade the schema once at start; remember a refusal (e.g. a newer file) for requests."""
    try:
        db.open_store(app.config["DATA_DIR"]).close()
    except MessagingError as err:
        problem = err
    except sqlite3.Error as err:  # unreadable file, read-only or full disk: the rest of the app still works
        problem = MessagingError("store_unavailable", "The saved-lists database cannot be opened (%s)."
                                 % type(err).__name__, 503)
    else:
        return True
    log.error("messaging store unavailable: %s", problem.message)
    app.extensions["messaging_problem"] = problem
    return False


def init_app(app):
    """Open the store, register the glue, and resume campaigns a crash left running."""
    app.register_error_handler(MessagingError, handle_messaging_error)
    app.teardown_appcontext(close_db)
    campaigns = CampaignManager(app.config["DATA_DIR"])
    app.extensions["campaigns"] = campaigns
    if open_store(app) and app.config.get("MESSAGING_RESUME", True):
        campaigns.resume_interrupted()
    atexit.register(campaigns.shutdown)
