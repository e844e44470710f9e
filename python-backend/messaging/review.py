"""Before Start: the reach of a list on a channel, the review of a campaign, and its plan.

Reach counts what POST /campaigns would snapshot (campaigns.snapshot_recipients) without writing anything.
"""
import random

from . import campaigns, channel_store, channels, ledger, lists, pacing, planner, render
from core.errors import DomainError
from core.fields import is_id
from .util import iso, loads

SAMPLE_SCAN = 20_000  # recipients scanned for "the one with the most fallbacks"
SENDER_SETTINGS = ("from_address", "from_number", "messaging_service_sid", "phone_number_id")


def reach(conn, list_id, channel_id):
    """{contacts, with_address, no_address, do_not_contact, duplicates, will_send, address} of LIST_ID on CHANNEL_ID."""
    lists.list_row(conn, list_id)
    channel = channel_store.channel_row(conn, channel_id)
    kind = channels.address_kind(channel["type"], loads(channel["config"], {}))
    blocked = {value for (value,) in conn.execute("SELECT value FROM do_not_contact")}
    out = {"contacts": 0, "with_address": 0, "no_address": 0, "do_not_contact": 0, "duplicates": 0, "will_send": 0,
           "address": kind}
    seen = set()
    for row in conn.execute("SELECT number, email FROM list_contacts WHERE list_id=? ORDER BY id", (list_id,)):
        out["contacts"] += 1
        address = row[kind]
        if not address:
            out["no_address"] += 1
            continue
        out["with_address"] += 1
        if address in seen:  # the ledger keeps one row per address (the snapshot's INSERT skips the rest)
            out["duplicates"] += 1
            continue
        seen.add(address)
        if address in blocked or row["number"] in blocked or row["email"] in blocked:
            out["do_not_contact"] += 1
        else:
            out["will_send"] += 1
    return out


def sender_of(channel):
    """Who the messages come from, as the channel's settings say (an address, a number or a service id)."""
    config = loads(channel["config"], {})
    for name in SENDER_SETTINGS:
        if config.get(name):
            return {"setting": name, "value": config[name], "name": config.get("from_name")}
    return {"setting": None, "value": "dry run (written to a file, nothing is sent)"
            if channel["type"] == "dry_run" else None, "name": None}


def plan_for(conn, rules, count, channel, now):
    """The planner's answer for COUNT messages on CHANNEL (a channels row)."""
    config = loads(channel["config"], {})
    sender = planner.Sender(channel["type"], messaging_service=bool(config.get("messaging_service_sid")),
                            linked_at=linked_at(conn, channel["id"]) if rules.warmup else None)
    return planner.plan(rules, count, sender, now)


def linked_at(conn, channel_id):
    """When CHANNEL_ID's number was linked (WhatsApp Web), or None."""
    row = conn.execute("SELECT linked_at FROM wa_links WHERE channel_id=?", (channel_id,)).fetchone()
    return row[0] if row else None


def plan_request(conn, data, now):
    """POST /campaigns/plan: {channel_id, pacing, count | list_id} -> the plan (and the reach when a list is given)."""
    channel_id, list_id, count = data.get("channel_id"), data.get("list_id"), data.get("count")
    if not is_id(channel_id):
        raise DomainError("missing_field", "'channel_id' is required (a number).")
    channel = channel_store.channel_row(conn, channel_id)
    rules = pacing.from_dict(campaigns.with_channel_defaults(data.get("pacing"), channel["type"]))
    found = None
    if list_id is not None:
        if not is_id(list_id):
            raise DomainError("bad_param", "'list_id' must be a number.")
        found = reach(conn, list_id, channel_id)
        count = found["will_send"]
    elif isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10**8:
        raise DomainError("missing_field", "Give 'list_id' or 'count' (a whole number up to 100000000).")
    return {"plan": plan_for(conn, rules, count, channel, now), "reach": found}


def samples(conn, campaign, rng, limit=SAMPLE_SCAN):
    """Three rendered samples of the recipients still to send: the first, a random one, the most fallbacks."""
    rows = conn.execute("SELECT * FROM campaign_recipients WHERE campaign_id=? AND status='pending' ORDER BY id "
                        "LIMIT ?", (campaign["id"], limit)).fetchall()
    if not rows:
        return []
    text = "\n".join([campaign["subject"], campaign["body"]] + loads(campaign["options"], {}).get("template_params",
                                                                                                  []))
    most = max(rows, key=lambda r: (render.fallback_count(text, campaigns.contact_of(r)), -r["id"]))
    chosen = [("first", rows[0]), ("random", rng.choice(rows)), ("most_fallbacks", most)]
    return [sample(campaign, why, row, text) for why, row in chosen]


def sample(campaign, why, row, text):
    """One rendered sample and why it was picked."""
    subject, body, params = campaigns.render_for(campaign, row)
    return {"why": why, "recipient_id": row["id"], "name": row["name"], "address": row["address"],
            "subject": subject, "body": body, "template_params": params,
            "fallbacks": render.fallback_count(text, campaigns.contact_of(row))}


def review(conn, campaign_id, now, rng=None):
    """Everything to check before Start: channel, sender, counts after skips, samples, pacing and the plan."""
    campaign = campaigns.campaign_row(conn, campaign_id)
    channel = channel_store.channel_row(conn, campaign["channel_id"])
    counts = ledger.counts(conn, campaign_id)
    skipped = {code or "skipped": n for code, n in conn.execute(
        "SELECT error_code, COUNT(*) FROM campaign_recipients WHERE campaign_id=? AND status='skipped' "
        "GROUP BY error_code ORDER BY error_code", (campaign_id,))}
    rules = pacing.Pacing(**loads(campaign["pacing"], {}))
    to_send = counts["pending"] + counts["sending"]
    return {"campaign_id": campaign_id, "status": campaign["status"], "name": campaign["name"],
            "channel": {"id": channel["id"], "name": channel["name"], "type": channel["type"],
                        "address": channels.address_kind(channel["type"], loads(channel["config"], {})),
                        "archived": channel["archived_at"] is not None},
            "sender": sender_of(channel), "recipients": {"total": counts["total"], "to_send": to_send,
                                                         "skipped": counts["skipped"], "skipped_by_reason": skipped},
            "samples": samples(conn, campaign, rng or random.Random()), "pacing": rules.to_dict(),
            "plan": plan_for(conn, rules, to_send, channel, now), "reviewed_at": iso(now)}
