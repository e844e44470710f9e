"""Is a reply a request to stop messages? The whole message, trimmed and case-folded, is one of these words.

Only whole-message matches count: "stop by the shop tomorrow" is a conversation, not an opt-out. The list covers
the usual English keywords (as carriers use for SMS) and their common equivalents in the languages of the
product's users.
"""
import re
import unicodedata

STOP_WORDS = frozenset({
    # English
    "stop", "stopall", "unsubscribe", "unsub", "cancel", "end", "quit", "opt out", "optout", "remove",
    "stop please", "please stop", "no more",
    # Spanish, Portuguese, Italian, French, German, Dutch
    "baja", "darme de baja", "alto", "parar", "pare", "sair", "cancelar", "basta", "annulla", "arrêt", "arret",
    "désabonner", "desabonner", "stopp", "abbestellen", "afmelden",
    # Indonesian / Malay, Turkish, Polish
    "berhenti", "dur", "iptal", "wypisz",
    # Russian, Ukrainian, Greek, Arabic, Persian, Hebrew, Hindi
    "стоп", "отписаться", "відписатися", "στοπ", "توقف", "الغاء", "إلغاء", "لغو", "עצור", "बंद", "रोकें",
    # Chinese, Japanese, Korean
    "退订", "退訂", "停止", "配信停止", "중지", "수신거부",
})


def normalise(text):
    """TEXT trimmed, case-folded, without accents' combining marks on Latin letters, and without punctuation."""
    text = unicodedata.normalize("NFKC", text or "").casefold().strip()
    text = re.sub(r"[\s!.,;:¡¿?\"'()\[\]*_~-]+", " ", text).strip()
    return text


def is_stop(text):
    """True when the whole message asks to stop."""
    cleaned = normalise(text)
    if cleaned in STOP_WORDS:
        return True
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", cleaned) if not unicodedata.combining(ch))
    return stripped in STOP_WORDS
