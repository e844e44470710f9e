"""Streamed answers handed to waitress as they are made, without copying each piece on the way.

A streamed JSON import answer (~130 MB for a million rows) is made of memoryviews of Arrow buffers. WSGI asks for
bytes, and waitress frames each chunked piece by concatenation (`size CRLF piece CRLF`): a bytes copy of every
piece, then two more in the framing, all in the request's thread under the GIL, before the piece is buffered for
the socket. Serving 130 MB of pieces that way cost 0.17 s of CPU against 0.07 s written as below (BENCHMARKS.md,
round 8). This task writes a chunked piece's size line, the piece itself (any bytes-like object) and its CRLF
into the connection's buffer one after the other; the bytes on the wire are the same.
"""
from waitress.task import WSGITask


class PieceByPieceTask(WSGITask):
    """Waitress' WSGI task, writing a chunked answer's pieces (bytes or memoryviews) with their framing apart."""

    def write(self, data):
        """Send DATA to the client: the head first, then a chunked piece framed apart, anything else as waitress
        writes it."""
        if not self.wrote_header:
            super().write(b"")  # the status line and headers, which also decide whether the answer is chunked
        if not (self.chunked_response and self.has_body and len(data)):
            return super().write(data)
        channel = self.channel
        channel.write_soon(b"%X\r\n" % len(data))
        channel.write_soon(data)
        channel.write_soon(b"\r\n")
        return None
