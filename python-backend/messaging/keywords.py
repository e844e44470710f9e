"""Is a reply a request to stop messages, or to start them again? The whole message, trimmed and case-folded,
is one of the words (the defaults below, or the user's own list).

Only whole-message matches count: "stop by the shop tomorrow" is a conversation, not an opt-out. The lists cover
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


# Opting back in, as carriers do for SMS (START, UNSTOP); "yes" is left out: it is too common an answer.
START_WORDS = frozenset({
    "start", "unstop", "subscribe", "resume", "alta", "reanudar", "iniciar", "reprendre", "abonnieren",
    "старт", "开始", "開始", "再開",
})
MAX_WORD = 40
MAX_WORDS = 200


def normalise(text):
    """TEXT trimmed, case-folded, without accents' combining marks on Latin letters, and without punctuation."""
    text = unicodedata.normalize("NFKC", text or "").casefold().strip()
    text = re.sub(r"[\s!.,;:¡¿?\"'()\[\]*_~-]+", " ", text).strip()
    return text


def matches(text, words=STOP_WORDS):
    """True when the whole message is one of WORDS (normalised), with or without its accents."""
    cleaned = normalise(text)
    if not cleaned or len(cleaned) > MAX_WORD:
        return False
    words = {normalise(w) for w in words}
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", cleaned) if not unicodedata.combining(ch))
    return cleaned in words or stripped in words


def is_stop(text):
    """True when the whole message asks to stop (default words)."""
    return matches(text, STOP_WORDS)
