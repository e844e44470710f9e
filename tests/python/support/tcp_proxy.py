"""A loopback TCP forwarder the tests can cut: a real lost network between the sidecar and PostgreSQL."""
import socket
import threading


class Proxy:
    """Forwards 127.0.0.1:port to TARGET_PORT; `cut()` drops every connection and stops listening,
    `restore()` listens again on the same port."""

    def __init__(self, target_port):
        self.target_port, self.port = target_port, None
        self.listener, self.sockets, self.lock = None, [], threading.Lock()
        self.restore()

    def restore(self):
        """Listen (again) and forward new connections."""
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port or 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(64)
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()
        return self

    def accept(self, listener):
        """Pair each client with a new connection to the target."""
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(source, sink):
        """Copy bytes one way until either side closes."""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            close(s)

    def cut(self):
        """Stop listening and reset every forwarded connection."""
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            close(s)


def close(sock):
    """Reset and close SOCK (either side may have gone already)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
