"""Email: the bounce mailbox read over IMAP. Delivery status notifications (matched to rows by the Message-ID of
the returned mail), List-Unsubscribe requests (onto the consent list) and replies (into the inbox)."""
from .. import consent, inbox, ledger, mailbox
from ..util import now

# A DSN's Action in the ledger's words; 'delayed', 'relayed' and 'expanded' are not final and change nothing.
ACTION = {"failed": "failed", "delivered": "delivered"}


def apply_item(conn, channel_id, item):
    """One classified mail (caller's transaction): 'bounce', 'unsubscribe', 'reply' or None."""
    if isinstance(item, mailbox.Bounce):
        word = ACTION.get((item.action or "").lower())
        if word is None or not owned(conn, channel_id, item.message_id):
            return None
        error = ("%s %s" % (item.status or "", item.diagnostic or "")).strip() or None
        ledger.record_status(conn, item.message_id, word, item.ts or now(), channel_id, error=error)
        return "bounce"
    if isinstance(item, mailbox.Unsubscribe) and item.address:
        consent.opt_out(conn, item.address, "email", "list_unsubscribe", channel_id, "Unsubscribe request by email")
        return "unsubscribe"
    if isinstance(item, mailbox.Reply) and item.address:
        stored = inbox.receive(conn, channel_id, item.address, "email", item.body, item.message_id, item.ts,
                               item.name)
        return "reply" if stored else None
    return None


def owned(conn, channel_id, message_id):
    """Whether MESSAGE_ID is a row of a campaign on CHANNEL_ID (a bounce of anything else is left alone)."""
    return bool(message_id) and conn.execute(
        "SELECT 1 FROM campaign_recipients r JOIN campaigns c ON c.id=r.campaign_id WHERE r.provider_id=? AND "
        "c.channel_id=? LIMIT 1", (message_id, channel_id)).fetchone() is not None
