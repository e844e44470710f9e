"""Streamed answers (an import's JSON, memoryviews of Arrow buffers) are written by the sidecar's own waitress task
(sidecar/chunked.py) with their chunk framing apart: read off a raw socket, the framing must be exact HTTP/1.1
chunked encoding and the body the import's JSON; answers with a length, and HEAD requests, keep waitress' own
writing."""
import json
import socket

import requests

from support.sidecar import Sidecar

NUMBERS = "\n".join("+1415555%04d" % i for i in range(2671, 2671 + 3000)) + "\n+14155552671\n"


def raw_exchange(server, request):
    """The whole raw answer to REQUEST (bytes) on a connection the sidecar closes after it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(request)
        received = b""
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return received
            received += chunk


def unchunked(body):
    """The payload of a chunked BODY, asserting every size line, chunk and CRLF is where the framing says."""
    payload, at, sizes = b"", 0, []
    while True:
        line_end = body.index(b"\r\n", at)
        size = int(body[at:line_end], 16)
        sizes.append(size)
        at = line_end + 2
        if size == 0:
            assert body[at:] == b"\r\n", "the last chunk is followed by the final CRLF only"
            return payload, sizes
        payload += body[at:at + size]
        assert body[at + size:at + size + 2] == b"\r\n", "each chunk ends with CRLF"
        at += size + 2


def post(path, body):
    """A raw POST of the JSON BODY to PATH that asks the server to close the connection after answering."""
    data = json.dumps(body).encode()
    return (b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % (path.encode(), len(data))) + data


def test_a_streamed_import_answer_is_exact_chunked_encoding(tmp_path):
    """The pasted-numbers import answer arrives as chunks whose sizes frame it exactly, and decodes to the same
    JSON a client library reads."""
    server = Sidecar(tmp_path).start()
    try:
        answer = raw_exchange(server, post("/parse-manual-numbers", {"numbers": NUMBERS, "default_region": "US"}))
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
        payload, sizes = unchunked(body)
        assert len(sizes) > 3  # several pieces, framed one by one
        parsed = json.loads(payload)
        assert parsed["summary"] == {"rows": 3001, "entries": 3001, "valid": 3000, "invalid": 0, "duplicates": 1}
        assert [c["number"] for c in parsed["contacts"]][:2] == ["+14155552671", "+14155552672"]
        again = requests.post(server.url + "/parse-manual-numbers", json={"numbers": NUMBERS, "default_region": "US"},
                              timeout=30).json()
        assert {k: v for k, v in again.items() if k != "import_id"} == \
            {k: v for k, v in parsed.items() if k != "import_id"}
    finally:
        server.stop()


def test_answers_with_a_length_and_head_requests_are_written_as_before(tmp_path):
    """/health has a Content-Length and no chunking; a HEAD answer has headers and no body at all."""
    server = Sidecar(tmp_path).start()
    try:
        answer = raw_exchange(server, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"transfer-encoding" not in head.lower()
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
        assert len(body) == length and json.loads(body)["status"] == "healthy"
        answer = raw_exchange(server, b"HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"\r\n\r\n")
    finally:
        server.stop()
