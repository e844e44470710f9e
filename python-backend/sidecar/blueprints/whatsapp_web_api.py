"""WhatsApp Web (linked device): link by QR code or pairing code, the link state, unlink, number checks."""
import time

from flask import Blueprint, current_app
from messaging import channel_store
from messaging.team import links
from messaging.whatsapp_web import numbers, sessions

from core.errors import DomainError
from core.fields import is_id
from core import errors
from ..jsonio import json_body, json_response
from ..ratelimit import limited
from .messaging_web import get_db

bp = Blueprint("whatsapp_web", __name__)
PAIR_WAIT = 45.0    # seconds the API waits for the holding worker's pairing code
UNLINK_WAIT = 20.0  # seconds the API waits for the holding worker to log the device out


def web_link(channel_id):
    """The Link of a whatsapp_web channel (a TeamLink when workers hold the sessions), or 404/400."""
    row = channel_store.channel_row(get_db(), channel_id)
    if row["type"] != "whatsapp_web":
        raise DomainError("not_whatsapp_web", "Channel %d is not a WhatsApp (linked device) channel." % channel_id)
    if workers_hold_sessions():
        return TeamLink(channel_id)
    return sessions.for_data_dir(current_app.config["DATA_DIR"]).link(channel_id)


def workers_hold_sessions():
    """True in the team mode with workers: the engines run in the worker holding each session, not here."""
    from messaging.team.manager import TeamCampaignManager
    return isinstance(current_app.extensions.get("campaigns"), TeamCampaignManager)


def describe(link):
    """The link state with the link date, today's sends against the warm-up cap and the check budget."""
    state = link.public_state()
    conn = get_db()
    linked_at = link.linked_at()
    since = time.time() - 86400.0
    sent_today = conn.execute("SELECT COUNT(*) FROM campaign_recipients r JOIN campaigns c ON c.id=r.campaign_id "
                              "WHERE c.channel_id=? AND r.attempted_at>?", (link.channel_id, since)).fetchone()[0]
    from messaging import pacing
    cap = pacing.warmup_cap(pacing.Pacing(warmup=True), linked_at, time.time()) if linked_at else None
    used = numbers.used(conn, link.channel_id)
    return dict(state, linked_at=linked_at, today={"sent": sent_today, "warmup_cap": cap},
                checks={"last_minute": used["minute"], "today": used["day"], "per_minute": numbers.PER_MINUTE,
                        "daily_budget": numbers.PER_DAY})


@bp.get("/channels/<int:channel_id>/whatsapp-web")
def link_state(channel_id):
    """Not linked, starting, waiting for scan (with the QR text), connected as +number (push name), ..."""
    return json_response(describe(web_link(channel_id)))


@bp.post("/channels/<int:channel_id>/whatsapp-web/link")
@limited("edits")
def start_link(channel_id):
    """Start the engine: a new device shows a QR code, a linked one connects without a scan."""
    link = web_link(channel_id)
    if isinstance(link, TeamLink):
        return json_response(describe(link.ask("link")))
    if link.public_state()["status"] == "logged_out":
        link.stop()  # the old engine forgot its session; a new one starts a new link
    link.ensure_started()
    return json_response(describe(link))


@bp.post("/channels/<int:channel_id>/whatsapp-web/pair-phone")
@limited("edits")
def pair_phone(channel_id):
    """An 8-character code to type on the phone (WhatsApp > Linked devices > Link with phone number)."""
    link = web_link(channel_id)
    number = json_body().get("number")
    if not isinstance(number, str) or not 6 <= sum(ch.isdigit() for ch in number) <= 15:
        raise DomainError("bad_param", "'number' must be the phone's number in international format, e.g. +4915112345678.")
    if isinstance(link, TeamLink):
        return json_response({"code": link.pairing_code(number)})
    link.ensure_started()
    engine = link.engine
    if engine is None:
        raise DomainError("engine_unavailable", link.public_state().get("reason") or "The engine is not running.",
                          errors.UNAVAILABLE)
    status, answer = call_engine(engine, "/pair-phone", {"number": number})
    if status != 200:
        error = answer.get("error") or {}
        raise DomainError("wa_%s" % error.get("code", "engine_error"), error.get("message", "The engine refused."),
                          errors.CONFLICT)
    return json_response({"code": answer["code"]})


@bp.post("/channels/<int:channel_id>/whatsapp-web/unlink")
@limited("edits")
def unlink(channel_id):
    """Log the device out and delete its session files."""
    return json_response(describe_after_unlink(web_link(channel_id)))


def describe_after_unlink(link):
    """Unlink, then the state (in the team mode: once the holder did it, or as it stands when no worker runs)."""
    if isinstance(link, TeamLink):
        return describe(link.ask("unlink", wait=UNLINK_WAIT))
    link.unlink()
    return describe(link)


IDLE_JOB = {"state": "idle", "total": 0, "checked": 0, "on_whatsapp": 0, "not_on_whatsapp": 0, "cached": 0,
            "next_at": None, "reason": None}


def numbers_to_check(body):
    """The numbers a check asks about: given, from a stored import, or from a saved list."""
    from messaging import lists
    from .lists_api import stored_import
    if body.get("numbers") is not None:
        given = body["numbers"]
        if not isinstance(given, list) or not all(isinstance(n, str) for n in given):
            raise DomainError("bad_param", "'numbers' must be a list of numbers in international format.")
        return [n.strip() for n in given if n.strip()]
    if body.get("import_id") is not None:
        entries = stored_import(body["import_id"]).messageable(lambda column: column == "number")
        return [n for n in entries["number"].tolist() if isinstance(n, str) and n]
    if body.get("list_id") is not None:
        if not is_id(body["list_id"]):
            raise DomainError("bad_param", "'list_id' must be a saved list's id.")
        lists.list_row(get_db(), body["list_id"])
        return [r[0] for r in get_db().execute("SELECT number FROM list_contacts WHERE list_id=? AND number IS NOT "
                                               "NULL", (body["list_id"],))]
    raise DomainError("missing_field", "Give 'numbers', 'import_id' or 'list_id'.")


@bp.post("/channels/<int:channel_id>/whatsapp-web/check")
@limited("edits")
def start_check(channel_id):
    """Check many numbers on WhatsApp in the background, paced (202 with the job's progress)."""
    from messaging.whatsapp_web.check_job import MAX_NUMBERS, CheckJob
    link = web_link(channel_id)
    if isinstance(link, TeamLink):
        raise DomainError("checks_not_in_team_mode", "Bulk number checks run on the desktop app only; in the team "
                          "mode campaigns check each number as they send.", errors.CONFLICT)
    wanted = numbers_to_check(json_body())
    if not wanted or len(wanted) > MAX_NUMBERS:
        raise DomainError("bad_param", "Give between 1 and %d numbers to check." % MAX_NUMBERS)
    job = getattr(link, "check_job", None)
    if job is not None and job.state == "running":
        job.stop.set()
    link.check_job = CheckJob(link, wanted)
    link.check_job.thread.start()
    return json_response({"job": link.check_job.describe()}, 202)


@bp.get("/channels/<int:channel_id>/whatsapp-web/check")
def check_progress(channel_id):
    """The last check's progress: how many are on WhatsApp, how many are not, what it waits for."""
    link = web_link(channel_id)
    job = None if isinstance(link, TeamLink) else getattr(link, "check_job", None)
    return json_response({"job": job.describe() if job is not None else dict(IDLE_JOB)})


class TeamLink:
    """A channel's link in the team mode: requests go to the database, the worker holding the session acts and
    publishes the state (messaging/team/links.py)."""

    def __init__(self, channel_id):
        self.channel_id = channel_id

    def public_state(self):
        """The state the holding worker published, or starting / waiting_for_worker."""
        return links.public_state(get_db(), self.channel_id, time.time())

    def linked_at(self):
        """When the current number was linked (epoch seconds), or None."""
        row = get_db().execute("SELECT linked_at FROM wa_links WHERE channel_id=?", (self.channel_id,)).fetchone()
        return row[0] if row else None

    def ask(self, kind, wait=0.0):
        """Record a KIND request; wait up to WAIT seconds for a worker to carry it out when one runs."""
        seq = links.request(get_db(), self.channel_id, kind)
        self.wait_for(lambda: links.handled(get_db(), self.channel_id, seq), wait)
        return self

    def pairing_code(self, number):
        """The pairing code the holding worker's engine got for NUMBER, or a 503/409 error."""
        seq = links.request(get_db(), self.channel_id, "pair", number)
        given = self.wait_for(lambda: links.answer(get_db(), self.channel_id, seq), PAIR_WAIT)
        if given is None:
            raise DomainError("waiting_for_worker", links.NO_WORKER, errors.UNAVAILABLE)
        if "error" in given:
            error = given["error"]
            raise DomainError("wa_%s" % error.get("code", "engine_error"), error.get("message", "The engine "
                              "refused."), errors.CONFLICT)
        return given["code"]

    def wait_for(self, done, wait):
        """Poll DONE while a worker runs, up to WAIT seconds; its last answer."""
        deadline = time.monotonic() + wait
        while True:
            value = done()
            if value or time.monotonic() >= deadline or not links.workers_alive(get_db(), time.time()):
                return value
            time.sleep(0.2)


def call_engine(engine, path, body):
    """(status, answer) of an engine call, or 503 when the engine does not answer."""
    from messaging.channels.base import SendError
    try:
        return engine.call("POST", path, body, timeout=30.0)
    except SendError as err:
        raise DomainError("engine_unavailable", "The WhatsApp Web engine did not answer (%s)." % err.message,
                          errors.UNAVAILABLE) from None
