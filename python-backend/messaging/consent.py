"""One consent list across channels: the do-not-contact entries (with their source), the opt-out and opt-in
words matched on every inbound message, and what an inbound message changes."""
import logging

from core.errors import DomainError

from . import app_settings, dnc, keywords
from .db import transaction

log = logging.getLogger("messaging.consent")
KEYWORDS_KEY = "consent_keywords"
# Where an entry came from: the user, a reply with an opt-out word, the provider's own opt-out handling
# (Twilio's OptOutType), an email List-Unsubscribe request, an import.
SOURCES = ("manual", "keyword", "provider_opt_out", "list_unsubscribe", "import")
# Entries a contact's own opt-in may lift; one the user added stays until the user removes it.
CONTACT_SOURCES = ("keyword", "provider_opt_out", "list_unsubscribe")


def default_keywords():
    """{opt_out, opt_in}: the built-in word lists, sorted."""
    return {"opt_out": sorted(keywords.STOP_WORDS), "opt_in": sorted(keywords.START_WORDS)}


def current_keywords(conn):
    """{opt_out, opt_in} as the user set them, else the defaults."""
    chosen = app_settings.get(conn, KEYWORDS_KEY) or {}
    defaults = default_keywords()
    return {kind: chosen.get(kind) or defaults[kind] for kind in ("opt_out", "opt_in")}


def clean_words(value, field):
    """A list of distinct, non-empty words of at most keywords.MAX_WORD characters, or a 400."""
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise DomainError("bad_param", "'%s' must be a list of words." % field)
    words = list(dict.fromkeys(keywords.normalise(w) for w in value if keywords.normalise(w)))
    if not words:
        raise DomainError("bad_param", "'%s' needs at least one word." % field)
    if len(words) > keywords.MAX_WORDS or any(len(w) > keywords.MAX_WORD for w in words):
        raise DomainError("bad_param", "'%s' takes at most %d words of at most %d characters."
                          % (field, keywords.MAX_WORDS, keywords.MAX_WORD))
    return words


def set_keywords(conn, body):
    """Store the user's {opt_out, opt_in} word lists; the result as current_keywords."""
    if not isinstance(body, dict):
        raise DomainError("bad_param", "Send {\"opt_out\": [...], \"opt_in\": [...]}.")
    chosen = {kind: clean_words(body.get(kind), kind) for kind in ("opt_out", "opt_in")}
    if set(chosen["opt_out"]) & set(chosen["opt_in"]):
        raise DomainError("bad_param", "A word cannot both opt out and opt in: %s."
                          % ", ".join(sorted(set(chosen["opt_out"]) & set(chosen["opt_in"]))))
    with transaction(conn):
        app_settings.put(conn, KEYWORDS_KEY, chosen)
    return current_keywords(conn)


def opt_out(conn, value, kind, source, channel_id=None, note=""):
    """Put one normalised address on the list (caller's transaction); True when it was not there yet."""
    assert source in SOURCES
    return dnc.insert(conn, value, kind, note, source, channel_id)


def opt_in(conn, value):
    """Lift the contact's own opt-out of VALUE (caller's transaction); True when an entry was removed."""
    sql = "DELETE FROM do_not_contact WHERE value=? AND source IN (%s)" % ",".join("?" * len(CONTACT_SOURCES))
    return conn.execute(sql, (value, *CONTACT_SOURCES)).rowcount > 0


def apply_words(conn, channel_id, address, kind, text):
    """What an inbound TEXT from ADDRESS asks (caller's transaction): 'opt_out', 'opt_in' or None."""
    words = current_keywords(conn)
    if keywords.matches(text, words["opt_out"]):
        opt_out(conn, address, kind, "keyword", channel_id, "Replied '%s'" % text.strip()[:40])
        log.info("channel %s: a contact asked to stop; on the consent list now", channel_id)
        return "opt_out"
    if keywords.matches(text, words["opt_in"]):
        opt_in(conn, address)
        return "opt_in"
    return None


def is_opted_out(conn, value):
    """True when VALUE is on the list."""
    return dnc.blocked(conn, value)

