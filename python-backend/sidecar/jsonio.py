"""Fast JSON in and out (orjson), with errors in the one shape."""
import orjson
from flask import Response, request

from core.errors import DomainError


def json_response(obj, status=200):
    """Serialise OBJ with orjson (numpy-aware) into a response."""
    body = obj if isinstance(obj, (bytes, bytearray)) else orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status=status, mimetype="application/json")


def json_stream_response(pieces, status=200):
    """A JSON response sent piece by piece as PIECES (bytes-like: memoryviews of Arrow buffers, most of them) are
    produced. They go out as they are, not as bytes copies: the sidecar's waitress task writes any bytes-like piece
    (chunked.py), and a 1M-row answer's copies cost ~0.1 s of the request's thread."""
    return Response(pieces, status=status, mimetype="application/json")


def read_ahead(pieces, stop, max_bytes):
    """The first pieces of the iterator PIECES, taken until the Event STOP is set or MAX_BYTES are held: work
    done ahead while another thread is busy, with its memory bounded."""
    taken, held = [], 0
    while held < max_bytes and not stop.is_set():
        piece = next(pieces, None)
        if piece is None:
            break
        taken.append(piece)
        held += len(piece)
    return taken


def event_stream_response(frames):
    """A Server-Sent Events response of FRAMES (text), never cached or buffered by a proxy."""
    return Response(frames, mimetype="text/event-stream", headers={"Cache-Control": "no-cache",
                                                                   "X-Accel-Buffering": "no"})


def json_body():
    """The request's JSON object, or a bad_json error."""
    raw = request.get_data(cache=False)
    try:
        value = orjson.loads(raw or b"")
    except orjson.JSONDecodeError:
        raise DomainError("bad_json", "The request body must be a JSON object.") from None
    if not isinstance(value, dict):
        raise DomainError("bad_json", "The request body must be a JSON object.")
    if b"\\u0000" in raw and holds_nul(value):  # JSON can only carry NUL escaped
        raise DomainError("nul_character", "Text in the request may not contain the NUL character (U+0000).")
    return value


def holds_nul(value):
    """True when a string anywhere in the parsed JSON VALUE (keys included) contains U+0000."""
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False
