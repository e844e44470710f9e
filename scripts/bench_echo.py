#!/usr/bin/env python3
"""The HTTP and JSON floor of an endpoint: a bare Flask app served by waitress (as the sidecar is) that reads
each POST's body and answers with the bytes of a file, as JSON; nothing else.

    python scripts/bench_echo.py PORT ANSWER_FILE
"""
import sys

from flask import Flask, Response, request
from waitress import serve


def echo_app(answer):
    """A Flask app answering every POST /echo with ANSWER (bytes) after reading the request body."""
    app = Flask(__name__)

    @app.post("/echo")
    def echo():
        """Read the body, send the stored answer."""
        request.get_data(cache=False)
        return Response(answer, mimetype="application/json")

    @app.get("/health")
    def health():
        """Up."""
        return Response(b"{}", mimetype="application/json")

    return app


if __name__ == "__main__":
    with open(sys.argv[2], "rb") as handle:
        serve(echo_app(handle.read()), host="127.0.0.1", port=int(sys.argv[1]), threads=4, _quiet=True)
