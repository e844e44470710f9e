"""Waitress' own transport-level errors (body over the limit, malformed request) in the API's JSON error shape.

Waitress answers these itself, before the Flask app sees the request, with a text/plain page; a client of the API
must get {"error", "code"} there too. Waitress has no option for the error body, so instead of patching its
classes we subclass at its extension points: `HTTPChannel.error_task_class` (the task that writes an error
answer) and `BaseWSGIServer.channel_class` (the channel each connection gets) are class attributes made for
this, and our server class is the one `create_json_error_server` builds, the same way waitress'
`create_server` builds its own. The channel's `task_class`, which writes every other answer, is chunked.py's
(streamed pieces written without copies).
"""
import json

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from .chunked import PieceByPieceTask

CODE_FOR_STATUS = {400: "bad_request", 413: "too_large", 431: "headers_too_large", 500: "internal_error"}
MEGABYTE = 1024 * 1024
# Written for a person: waitress' own texts ("exceeds max_body of 53428800") name its settings, in bytes.
MESSAGES = {
    400: "The request could not be read; it was cut off or is not valid HTTP.",
    413: "The file is too large: this app accepts uploads of up to {mb} MB.",
    431: "The request's headers are too large.",
    500: "Something went wrong while reading the request.",
}


def json_error(error, max_body=None):
    """(status line, headers, body) of a waitress error object as a JSON error; MAX_BODY is the body limit."""
    code = CODE_FOR_STATUS.get(error.code, "http_%d" % error.code)
    message = MESSAGES.get(error.code, error.reason).format(mb=int((max_body or 0) / MEGABYTE))
    body = json.dumps({"error": message, "code": code}).encode("utf-8")
    return "%d %s" % (error.code, error.reason), [("Content-Type", "application/json")], body


class JsonErrorTask(ErrorTask):
    """Waitress' error answer, written as JSON."""

    def execute(self):
        """Write the request's parse error as a JSON body and close the connection after it."""
        limit = getattr(self.channel.server, "upload_limit", None) or self.channel.adj.max_request_body_size
        status, headers, body = json_error(self.request.error, limit)
        self.status = status
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class JsonErrorChannel(HTTPChannel):
    """A connection whose transport errors are answered by JsonErrorTask, and whose answers are written by
    PieceByPieceTask (streamed pieces without copies: chunked.py)."""

    error_task_class = JsonErrorTask
    task_class = PieceByPieceTask


class JsonErrorServer(TcpWSGIServer):
    """Waitress' TCP server with JsonErrorChannel connections."""

    channel_class = JsonErrorChannel


def create_json_error_server(app, upload_limit=None, **adjustments):
    """Like waitress.create_server (TCP only), with JSON transport errors; ADJUSTMENTS are waitress' options.

    UPLOAD_LIMIT is the limit the app enforces, named in the 413 message (waitress' own is set a little higher)."""
    adj = Adjustments(**adjustments)
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map = {}
    servers = [JsonErrorServer(app, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=info) for info in adj.listen]
    for server in servers:
        server.upload_limit = upload_limit
    if len(servers) == 1:
        return servers[0]
    # A name resolving to several addresses (localhost: 127.0.0.1 and ::1): one loop serves them all.
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher, servers[-1].log_info)
