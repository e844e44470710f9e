"""Campaigns: create, start/pause/resume/cancel/retry, progress (SSE), recipients and the report."""
from flask import Blueprint, Response, current_app, request
from messaging import campaigns, db, ledger, rehearsal, report, review, test_sends
from messaging.util import now
from core.errors import DomainError
from core.fields import page

from .. import auth
from ..events import polled_response
from ..jsonio import json_body, json_response
from ..ratelimit import limited, streaming
from .messaging_web import get_db, manager

bp = Blueprint("campaigns", __name__)

# An SSE stream holds one of waitress' few threads: streams end with the campaign or after this long
# (EventSource reconnects by itself; `retry` tells it how soon).
MAX_STREAM_SECONDS = 300.0
LATEST = 20


def with_overlay(out, campaigns_manager):
    """Show a pause the disk could not record yet (storage_full/storage_error) as the campaign's status."""
    overlay = campaigns_manager.overlay(out["id"])
    if overlay is not None:
        out["status"], out["pause_reason"] = overlay
    return out


def with_live_state(out):
    """Add what the worker is waiting for (pacing, caps, quiet hours, schedule) to a description."""
    waiting = manager().waiting(out["id"])
    out["waiting"] = {"until": waiting["until"], "reason": waiting["reason"]}
    return with_overlay(out, manager())


@bp.get("/campaigns")
def all_campaigns():
    """Every campaign with counts."""
    return json_response({"campaigns": [with_overlay(c, manager()) for c in campaigns.all_campaigns(get_db())]})


@bp.post("/campaigns")
@limited("edits")
def create_campaign():
    """A draft campaign from a list, a channel and a message (or a template)."""
    return json_response(campaigns.create(get_db(), json_body(), current_app.config["DATA_DIR"], auth.actor()), 201)


@bp.get("/campaigns/<int:campaign_id>")
def one_campaign(campaign_id):
    """A campaign with counts, rate and time left."""
    return json_response(with_live_state(campaigns.describe(get_db(), campaign_id)))


@bp.delete("/campaigns/<int:campaign_id>")
@limited("edits")
def delete_campaign(campaign_id):
    """Delete a campaign that is not running."""
    campaigns.delete(get_db(), campaign_id, auth.actor())
    return json_response({"deleted": campaign_id})


@bp.post("/campaigns/<int:campaign_id>/start")
@limited("campaign_send")
def start_campaign(campaign_id):
    """Start (or resume) the campaign; a second start while it runs starts nothing."""
    result = manager().start(campaign_id, auth.actor())
    return json_response(dict(result, campaign=campaigns.describe(get_db(), campaign_id)))


@bp.post("/campaigns/<int:campaign_id>/resume")
@limited("campaign_send")
def resume_campaign(campaign_id):
    """Same as start: continue a paused campaign (audited as resumed; a draft as started)."""
    return start_campaign(campaign_id)


@bp.post("/campaigns/<int:campaign_id>/pause")
def pause_campaign(campaign_id):
    """Pause; the message in flight is recorded, nothing else is sent."""
    manager().pause(campaign_id, actor=auth.actor())
    return json_response(campaigns.describe(get_db(), campaign_id))


@bp.post("/campaigns/<int:campaign_id>/cancel")
def cancel_campaign(campaign_id):
    """Cancel for good."""
    manager().cancel(campaign_id, auth.actor())
    return json_response(campaigns.describe(get_db(), campaign_id))


@bp.post("/campaigns/<int:campaign_id>/retry")
@limited("campaign_send")
def retry_campaign(campaign_id):
    """Send again to failed recipients (and 'unknown' ones only when listed explicitly)."""
    body = json_body() if request.get_data(cache=True) else {}
    statuses = body.get("statuses", ["failed"])
    if not isinstance(statuses, list) or not all(isinstance(s, str) for s in statuses):
        raise DomainError("bad_param", "'statuses' must be a list of texts.")
    result = manager().retry(campaign_id, statuses, auth.actor())
    return json_response(dict(result, campaign=campaigns.describe(get_db(), campaign_id)))


@bp.post("/campaigns/<int:campaign_id>/reconcile")
@limited("campaign_send")
def reconcile_campaign(campaign_id):
    """Ask what providers know about the 'unknown' recipients (nothing is sent): {reconciled, still_unknown}."""
    result = manager().reconcile(campaign_id)
    return json_response(dict(result, campaign=campaigns.describe(get_db(), campaign_id)))


@bp.get("/campaigns/<int:campaign_id>/recipients")
def campaign_recipients(campaign_id):
    """A page of the ledger, optionally one status."""
    offset, limit = page(request.args)
    status = request.args.get("status") or None
    return json_response(campaigns.page_recipients(get_db(), campaign_id, status, offset, limit))


@bp.get("/campaigns/<int:campaign_id>/preview")
def campaign_preview(campaign_id):
    """The message as one recipient will get it."""
    raw = request.args.get("recipient_id")
    try:
        recipient_id = int(raw) if raw not in (None, "") else None
    except ValueError:
        raise DomainError("bad_param", "'recipient_id' must be a number.") from None
    return json_response(campaigns.preview(get_db(), campaign_id, recipient_id))


@bp.post("/campaigns/<int:campaign_id>/test-send")
@limited("test_send")
def send_test(campaign_id):
    """Send the campaign's message (rendered for its first or a named recipient) to a typed address; recorded
    apart, never counted in the campaign. 200 {ok, test_send} whether the provider accepted it or not."""
    config = current_app.config
    return json_response(test_sends.send_test(get_db(), campaign_id, json_body(), config["DATA_DIR"],
                                              config["DEFAULT_REGION"]))


@bp.get("/campaigns/<int:campaign_id>/test-sends")
def list_test_sends(campaign_id):
    """The campaign's test sends, newest first."""
    return json_response({"test_sends": test_sends.all_test_sends(get_db(), campaign_id)})


@bp.get("/campaigns/<int:campaign_id>/review")
def review_campaign(campaign_id):
    """Channel, sender, recipients after skips, three rendered samples, pacing and the planned finish."""
    return json_response(review.review(get_db(), campaign_id, now()))


@bp.post("/campaigns/<int:campaign_id>/rehearse")
@limited("rehearse")
def rehearse_campaign(campaign_id):
    """Run the campaign on the dry run in a scratch copy, its waits skipped: the timeline it made. Sends nothing."""
    return json_response(rehearsal.rehearse(get_db(), current_app.config["DATA_DIR"], campaign_id, now()))


@bp.post("/campaigns/plan")
@limited("edits")
def plan_campaign():
    """The predicted finish and provider-limit warnings for a pacing, a channel and a count or a list."""
    return json_response(review.plan_request(get_db(), json_body(), now()))


@bp.get("/campaigns/<int:campaign_id>/report")
@limited("export")
def campaign_report(campaign_id):
    """The per-recipient report as CSV or XLSX."""
    fmt = request.args.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise DomainError("bad_param", "'format' must be csv or xlsx.")
    conn = get_db()
    name = "campaign-%d-report.%s" % (campaign_id, fmt)
    if fmt == "csv":
        body, mimetype = report.as_csv(conn, campaign_id), "text/csv; charset=utf-8"
    else:
        body = report.as_xlsx(conn, campaign_id)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": 'attachment; filename="%s"' % name})


def snapshot(conn, campaign_id, campaigns_manager):
    """The state an event carries: counts, progress, rate, waiting, latest outcomes."""
    out = with_overlay(campaigns.describe(conn, campaign_id), campaigns_manager)
    waiting = campaigns_manager.waiting(campaign_id)
    return {"id": campaign_id, "status": out["status"], "pause_reason": out["pause_reason"], "counts": out["counts"],
            "progress": out["progress"], "rate_per_minute": out["rate_per_minute"], "eta_seconds": out["eta_seconds"],
            "waiting": waiting, "latest": ledger.latest(conn, campaign_id, LATEST)}


@bp.get("/campaigns/<int:campaign_id>/events")
@streaming
def campaign_events(campaign_id):
    """Live progress as Server-Sent Events (`curl -N` works)."""
    campaigns.campaign_row(get_db(), campaign_id)
    max_seconds = float(current_app.config.get("SSE_MAX_SECONDS", MAX_STREAM_SECONDS))
    campaigns_manager = manager()
    return polled_response(db.db_path(current_app.config["DATA_DIR"]), "progress",
                           lambda conn: snapshot(conn, campaign_id, campaigns_manager), max_seconds,
                           ended=lambda state: state["status"] != "running")
