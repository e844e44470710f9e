"""Campaigns: compose from a list, a channel and a message; snapshot recipients; describe progress."""
from . import attachments, audit, channel_store, channels, dnc, ledger, list_stats, lists, pacing, render, states
from . import templates
from .db import insert_id, snapshot, transaction
from core import errors
from core.errors import DomainError, not_found
from core.fields import is_id, require_text
from .util import dumps, iso, loads, now

RATE_WINDOW = 300.0
EDITABLE = ("draft",)


def campaign_row(conn, campaign_id):
    """The campaigns row, or a 404."""
    row = conn.execute("SELECT * FROM campaigns WHERE id=?", (campaign_id,)).fetchone()
    if row is None:
        raise not_found("Campaign", campaign_id)
    return row


def message_text(conn, data):
    """(subject, body) from a template_id or from the request itself."""
    if data.get("template_id") is not None:
        if not is_id(data["template_id"]):
            raise DomainError("bad_param", "'template_id' must be a template's id.")
        row = templates.template_row(conn, data["template_id"])
        subject, body = data.get("subject", row["subject"]), data.get("body", row["body"])
    else:
        subject, body = data.get("subject", ""), data.get("body")
    body = require_text(body, "body", templates.MAX_BODY)
    subject = require_text(subject, "subject", 500, allow_empty=True)
    render.check_syntax(subject + "\n" + body)
    return subject, body


def template_params(params):
    """PARAMS checked as WhatsApp template parameters: a list of texts, each a well-formed template."""
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise DomainError("bad_param", "'template_params' must be a list of texts.")
    for param in params:
        render.check_syntax(param)
    return params


def check_options(data, channel_type):
    """Per-campaign message options: WhatsApp template parameters (rendered per recipient)."""
    options = data.get("options") or {}
    if not isinstance(options, dict) or set(options) - {"template_params", "channel_overrides", "attachment"}:
        raise DomainError("bad_param", "'options' may hold 'template_params', 'channel_overrides' and 'attachment'.")
    template_params(options.get("template_params", []))
    overrides = options.get("channel_overrides")
    if overrides is not None and not isinstance(overrides, dict):  # stored as given: false or [] must not pass
        raise DomainError("bad_param", "'channel_overrides' must be an object.")
    if overrides:
        if channel_type != "whatsapp" or set(overrides) - {"template_name", "template_language", "message_type"}:
            raise DomainError("bad_param", "'channel_overrides' may only set a WhatsApp template.")
        if not all(isinstance(v, str) for v in overrides.values()) or \
                overrides.get("message_type", "text") not in ("text", "template"):
            raise DomainError("bad_param", "'channel_overrides' values are text; message_type is text or template.")
    return options


def check_message(conn, list_id, kind, subject, body, options=None):
    """Refuse what would go out wrong: a placeholder naming no column, an email without a subject."""
    params = (options or {}).get("template_params", [])
    render.check_known("\n".join([subject, body] + list(params)), lists.field_names(conn, list_id))
    if kind == "email" and not subject.strip():
        raise DomainError("subject_required", "An email needs a subject (it may hold placeholders).")


def create(conn, data, data_dir=None, actor=None):
    """A draft campaign with its recipients snapshotted from the list (DNC and duplicates skipped); ACTOR (team
    mode) is named in the audit log, inside the same transaction."""
    name = require_text(data.get("name"), "name")
    list_id, channel_id = data.get("list_id"), data.get("channel_id")
    if not is_id(list_id) or not is_id(channel_id):
        raise DomainError("missing_field", "'list_id' and 'channel_id' are required (numbers).")
    lists.list_row(conn, list_id)
    channel = channel_store.usable_channel(conn, channel_id)
    subject, body = message_text(conn, data)
    options = check_options(data, channel["type"])
    if data_dir is not None:
        attachments.check_for_channel(data_dir, options, channels.REGISTRY[channel["type"]])
    elif "attachment" in options:
        raise DomainError("bad_param", "Attachments need the app's data folder.")
    rules = pacing.from_dict(with_channel_defaults(data.get("pacing"), channel["type"]))
    kind = channels.address_kind(channel["type"], loads(channel["config"], {}))
    check_message(conn, list_id, kind, subject, body, options)
    with transaction(conn):
        stamp = now()
        campaign_id = insert_id(
            conn, "INSERT INTO campaigns (name, list_id, channel_id, subject, body, options, pacing, status, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,'draft',?,?)",
            (name, list_id, channel_id, subject, body, dumps(options), dumps(rules.to_dict()), stamp, stamp))
        snapshot = snapshot_recipients(conn, campaign_id, list_id, kind)
        audit.record_by(conn, actor, "campaign.created", "campaign", campaign_id,
                        {"name": name, "list_id": list_id, "channel_id": channel_id, "recipients": snapshot["added"]})
    result = describe(conn, campaign_id)
    result["snapshot"] = snapshot
    return result


def with_channel_defaults(given, channel_type):
    """The pacing GIVEN by the user over the channel type's defaults (WhatsApp Web's ban-safety pacing)."""
    defaults = channels.REGISTRY[channel_type].DEFAULT_PACING
    if given is None:
        return dict(defaults) or None
    return dict(defaults, **given) if isinstance(given, dict) else given


def snapshot_recipients(conn, campaign_id, list_id, kind):
    """Copy the list's contacts into the ledger; {added, no_address, duplicates, do_not_contact}."""
    stats = {"added": 0, "no_address": 0, "duplicates": 0, "do_not_contact": 0}
    blocked = {value for (value,) in conn.execute("SELECT value FROM do_not_contact")}
    for row in conn.execute("SELECT * FROM list_contacts WHERE list_id=? ORDER BY id", (list_id,)).fetchall():
        address = row[kind]
        if not address:
            stats["no_address"] += 1
            continue
        skipped = address in blocked or row["number"] in blocked or row["email"] in blocked
        fields = dumps({"number": row["number"], "email": row["email"], "fields": loads(row["fields"], {})})
        cursor = conn.execute(
            "INSERT INTO campaign_recipients (campaign_id, contact_id, address, name, fields, status, "
            "error_code, error, finished_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (campaign_id, row["id"], address, row["name"], fields, states.initial_recipient_status(skipped),
             "do_not_contact" if skipped else None, "On the do-not-contact list." if skipped else None,
             now() if skipped else None))
        if cursor.rowcount == 0:
            stats["duplicates"] += 1
        else:
            stats["do_not_contact" if skipped else "added"] += 1
    return stats


def contact_of(recipient):
    """The render context of a ledger row."""
    extra = loads(recipient["fields"], {})
    return {"name": recipient["name"], "number": extra.get("number"), "email": extra.get("email"),
            "fields": extra.get("fields") or {}}


def render_for(campaign, recipient):
    """(subject, body, template params) of CAMPAIGN for one ledger RECIPIENT."""
    contact = contact_of(recipient)
    seed = "%s:%s" % (campaign["id"], recipient["address"])  # one variation per recipient, the same on a retry
    params = [render.render(p, contact, seed) for p in loads(campaign["options"], {}).get("template_params", [])]
    return render.render(campaign["subject"], contact, seed), render.render(campaign["body"], contact, seed), params


def progress(conn, row, counts, clock_now=None):
    """Rate per minute over the last few minutes and the estimated seconds left."""
    ts = clock_now or now()
    if row["started_at"] is None:
        return None, None
    window = min(RATE_WINDOW, max(ts - row["started_at"], 1.0))
    done = ledger.finished_since(conn, row["id"], ts - window)
    rate = done / window * 60.0
    remaining = counts["pending"] + counts["sending"]
    eta = remaining / rate * 60.0 if rate > 0 and row["status"] == "running" else None
    return round(rate, 2), (round(eta, 1) if eta is not None else None)


def describe(conn, campaign_id):
    """A campaign with its ledger counts, rate and estimated time left."""
    row = campaign_row(conn, campaign_id)
    counts = ledger.counts(conn, campaign_id)
    rate, eta = progress(conn, row, counts)
    done = counts["sent"] + counts["failed"] + counts["unknown"] + counts["skipped"]
    return {"id": row["id"], "name": row["name"], "list_id": row["list_id"], "channel_id": row["channel_id"],
            "subject": row["subject"], "body": row["body"], "options": loads(row["options"], {}),
            "pacing": loads(row["pacing"], {}), "status": row["status"], "pause_reason": row["pause_reason"],
            "counts": counts, "progress": round(done / counts["total"], 4) if counts["total"] else 1.0,
            "rate_per_minute": rate, "eta_seconds": eta, "created_at": iso(row["created_at"]),
            "started_at": iso(row["started_at"]), "finished_at": iso(row["finished_at"]),
            "resume_at": iso(row["resume_at"]), "delivery_tracking": delivery_tracking(conn, row["channel_id"])}


def delivery_tracking(conn, channel_id):
    """Whether the campaign's channel reports what happened after 'sent' (email only with a bounce mailbox)."""
    channel = conn.execute("SELECT type, config FROM channels WHERE id=?", (channel_id,)).fetchone()
    if channel is None or channel["type"] == "dry_run":
        return False
    return channel["type"] != "smtp" or bool(loads(channel["config"], {}).get("imap_host"))


def all_campaigns(conn):
    """Every campaign, newest first, with counts."""
    return [describe(conn, r["id"]) for r in conn.execute("SELECT id FROM campaigns ORDER BY id DESC")]


def delete(conn, campaign_id, actor=None):
    """Delete a campaign that is not running, with its ledger (audited for ACTOR in the same transaction).

    The status is tested by the DELETE itself, so a start committed at the same moment is never deleted under
    its run (PostgreSQL re-reads the row it waited for)."""
    with transaction(conn):
        row = campaign_row(conn, campaign_id)
        if conn.execute("DELETE FROM campaigns WHERE id=? AND status<>'running'", (campaign_id,)).rowcount != 1:
            raise DomainError("campaign_running", "Pause or cancel the campaign before deleting it.",
                              errors.CONFLICT)
        audit.record_by(conn, actor, "campaign.deleted", "campaign", campaign_id, {"name": row["name"]})


def recipient_out(row):
    """A ledger row as the API and the report show it."""
    return {"id": row["id"], "address": row["address"], "name": row["name"], "status": row["status"],
            "attempts": row["attempts"], "provider_id": row["provider_id"], "error_code": row["error_code"],
            "error": row["error"], "attempted_at": iso(row["attempted_at"]), "finished_at": iso(row["finished_at"]),
            "delivery": row["delivery"], "delivered_at": iso(row["delivered_at"]), "read_at": iso(row["read_at"]),
            "replied_at": iso(row["replied_at"]), "body": row["body"]}


def page_recipients(conn, campaign_id, status=None, offset=0, limit=100):
    """{total, offset, limit, recipients} of a campaign, optionally one status only."""
    campaign_row(conn, campaign_id)
    if status is not None and status not in ledger.STATUSES:
        raise DomainError("bad_param", "'status' must be one of: %s." % ", ".join(ledger.STATUSES))
    where, params = "campaign_id=?", [campaign_id]
    if status:
        where, params = where + " AND status=?", params + [status]
    total = conn.execute("SELECT COUNT(*) FROM campaign_recipients WHERE " + where, params).fetchone()[0]
    rows = conn.execute("SELECT * FROM campaign_recipients WHERE %s ORDER BY id LIMIT ? OFFSET ?" % where,
                        params + [limit, offset]).fetchall()
    return {"total": total, "offset": offset, "limit": limit, "recipients": [recipient_out(r) for r in rows]}


def recipient_or_first(conn, campaign_id, recipient_id=None):
    """The ledger row RECIPIENT_ID of a campaign, or its first row when None; a not_found error otherwise."""
    if recipient_id is None:
        row = conn.execute("SELECT * FROM campaign_recipients WHERE campaign_id=? ORDER BY id LIMIT 1",
                           (campaign_id,)).fetchone()
    else:
        row = conn.execute("SELECT * FROM campaign_recipients WHERE campaign_id=? AND id=?",
                           (campaign_id, recipient_id)).fetchone()
    if row is None:
        raise not_found("Recipient", recipient_id if recipient_id is not None else "(first)")
    return row


def preview(conn, campaign_id, recipient_id=None):
    """The rendered message for one recipient (the first when none is named), with empty placeholders."""
    campaign = campaign_row(conn, campaign_id)
    recipient = recipient_or_first(conn, campaign_id, recipient_id)
    subject, body, params = render_for(campaign, recipient)
    text = campaign["subject"] + "\n" + campaign["body"]
    return {"recipient": recipient_out(recipient), "subject": subject, "body": body, "template_params": params,
            "empty_placeholders": render.empty_placeholders(text, contact_of(recipient)),
            "sms": render.sms_stats(body)}


def address_kind_of(conn, channel_id):
    """'email' or 'number' for CHANNEL_ID (None when no channel is chosen yet)."""
    if channel_id is None:
        return None
    row = channel_store.channel_row(conn, channel_id)
    return channels.address_kind(row["type"], loads(row["config"], {}))


def compose_check(conn, list_id, subject, body, contact_id=None, limit=50, channel_id=None, params=()):
    """Preview for one contact of a list, and which recipients would get empty placeholders.

    With CHANNEL_ID the message is checked as POST /campaigns would (email subject) and each warning names
    the recipient by the address that channel sends to. PARAMS (WhatsApp template parameters) are checked and
    rendered with the message."""
    lists.list_row(conn, list_id)
    render.check_syntax(subject + "\n" + body)
    kind = address_kind_of(conn, channel_id)
    fields = lists.field_names(conn, list_id)
    text = "\n".join([subject, body] + list(params))
    render.check_known(text, fields)
    if kind == "email" and not subject.strip():
        check_message(conn, list_id, kind, subject, body, {"template_params": list(params)})
    needed = render.unfilled_placeholders(text)
    with snapshot(conn):  # the counts and the scan for examples read the same state of the list
        with_empty, counts = empty_counts(conn, list_id, kind, needed)
        empty, order = empty_examples(conn, list_id, kind, needed, min(limit, with_empty), set(counts))
    per_placeholder = {name: counts[name] for name in order}  # in the order a scan of every contact gave
    chosen = chosen_contact(conn, list_id, contact_id)
    return {"placeholders": render.placeholder_names(text), "fields": fields,
            "preview": preview_of(chosen, subject, body, params),
            "warnings": {"recipients_with_empty": with_empty, "by_placeholder": per_placeholder,
                         "examples": empty},
            "sms": render.sms_stats(render.render(body, stored_contact(chosen)) if chosen else body)}


def empty_counts(conn, list_id, kind, needed):
    """(recipients with an empty placeholder, {placeholder: recipients}) of LIST_ID, from its shape counts
    (list_stats: every contact of a shape leaves the same placeholders empty), contacts without a KIND address
    left out."""
    with_empty, per_placeholder = 0, {}
    if not needed:
        return with_empty, per_placeholder
    for contact, count in list_stats.shapes(conn, list_id):
        if kind is not None and not contact[kind]:
            continue  # skipped by this channel (no address): it gets no message, so no warning
        missing = render.empty_of(needed, contact)
        with_empty += count if missing else 0
        for name in missing:
            per_placeholder[name] = per_placeholder.get(name, 0) + count
    return with_empty, per_placeholder


def empty_examples(conn, list_id, kind, needed, wanted, names):
    """The first WANTED recipients of LIST_ID (by id) with an empty placeholder, and NAMES in the order they are
    first found empty: the scan stops once it has both (usually within the first few contacts)."""
    empty, order = [], {}
    if not wanted:
        return empty, list(order)
    for row in conn.execute("SELECT id, name, number, email, fields FROM list_contacts WHERE list_id=? ORDER BY id",
                            (list_id,)):
        if kind is not None and not row[kind]:
            continue
        missing = render.empty_of(needed, stored_contact(row))
        if not missing:
            continue
        for name in missing:
            order.setdefault(name, None)
        if len(empty) < wanted:
            empty.append({"contact_id": row["id"], "name": row["name"], "number": row["number"],
                          "email": row["email"], "address": row[kind] if kind else None, "missing": missing})
        if len(empty) >= wanted and len(order) >= len(names):
            break
    return empty, list(order)


def chosen_contact(conn, list_id, contact_id):
    """The contact CONTACT_ID of LIST_ID (the first when None, None for an empty list), or a 404."""
    if contact_id is None:
        return conn.execute("SELECT * FROM list_contacts WHERE list_id=? ORDER BY id LIMIT 1", (list_id,)).fetchone()
    return lists.contact_row(conn, list_id, contact_id)


def stored_contact(row):
    """The render context of a list_contacts row."""
    return {"name": row["name"], "number": row["number"], "email": row["email"], "fields": loads(row["fields"], {})}


def pick_contact(rows, contact_id):
    """The contact CONTACT_ID among ROWS (the first when None), or a 404."""
    if contact_id is None:
        return rows[0] if rows else None
    for row in rows:
        if row["id"] == contact_id:
            return row
    raise not_found("Contact", contact_id)


def preview_of(row, subject, body, params=()):
    """The rendered subject, body and template parameters for one contact row (None for an empty list)."""
    if row is None:
        return None
    contact = stored_contact(row)
    return {"contact_id": row["id"], "name": row["name"], "subject": render.render(subject, contact),
            "body": render.render(body, contact), "template_params": [render.render(p, contact) for p in params]}


def check_dnc_now(conn, recipient):
    """True when the recipient was put on the do-not-contact list after the snapshot."""
    extra = loads(recipient["fields"], {})
    return dnc.blocked(conn, recipient["address"], extra.get("number"), extra.get("email"))
