"""A TCP relay between the program and PostgreSQL that a test breaks at chosen moments.

The program connects to the relay (127.0.0.1, a free port, no TLS); the relay forwards bytes to
the test server (TCP or its unix socket) and reads the PostgreSQL protocol as it goes, so a test
can cut a connection just before a COMMIT reaches the server, or just after the server answered
it (the commit happened, the program never hears so), or refuse new connections for a while.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from psycopg.conninfo import conninfo_to_dict, make_conninfo

BEFORE_COMMIT = "before-commit"  # the COMMIT never reaches the server
AFTER_COMMIT = "after-commit"  # the server committed; its answer never reaches the program


class Relay:
    """Forwards connections to the server of `dsn`; see the module docstring."""

    def __init__(self, dsn: str) -> None:
        params = conninfo_to_dict(dsn)
        host, port = params.get("host") or "localhost", int(params.get("port") or 5432)
        if host.startswith("/"):
            self._target: Callable[[], socket.socket] = lambda: _unix(f"{host}/.s.PGSQL.{port}")
        else:
            self._target = lambda: socket.create_connection((host, port), timeout=10)
        self._cut: str | None = None
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._accepting = True
        self._listener.listen(16)
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def conninfo(self, dsn: str) -> str:
        """`dsn` (user, password, database) reaching the server through this relay."""
        return make_conninfo(dsn, host="127.0.0.1", port=self.port, sslmode="disable", gssencmode="disable")

    def cut_at_commit(self, when: str) -> None:
        """Cut the next connection that commits, BEFORE_COMMIT or AFTER_COMMIT (once)."""
        self._cut = when

    def refuse(self) -> None:
        """From now on, close every new connection at once (the server looks unreachable)."""
        self._accepting = False

    def accept(self) -> None:
        """Forward new connections again."""
        self._accepting = True

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._open:
                _close(sock)

    # -- forwarding -----------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._accepting:
                _close(client)
                continue
            try:
                server = self._target()
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._open += [client, server]
            pair = (client, server)
            threading.Thread(target=self._pump, args=(client, server, pair, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, pair, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, pair: tuple, from_client: bool) -> None:
        buffer = b""
        startup = from_client  # the client's first message has no type byte
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                buffer += data
                while True:
                    message, buffer, startup = _next_message(buffer, startup)
                    if message is None:
                        break
                    if self._should_cut(message, from_client):
                        for sock in pair:
                            _close(sock)
                        return
                    sink.sendall(message)
        except OSError:
            pass
        for sock in pair:
            _close(sock)

    def _should_cut(self, message: bytes, from_client: bool) -> bool:
        kind, body = message[:1], message[5:]
        if self._cut == BEFORE_COMMIT and from_client:
            hit = (kind == b"Q" and body.rstrip(b"\0").strip().upper() == b"COMMIT") or (
                kind == b"P" and body.split(b"\0")[1].strip().upper() == b"COMMIT"
            )
        elif self._cut == AFTER_COMMIT and not from_client:
            hit = kind == b"C" and body.rstrip(b"\0") == b"COMMIT"
        else:
            return False
        if hit:
            self._cut = None
        return hit


def _next_message(buffer: bytes, startup: bool) -> tuple[bytes | None, bytes, bool]:
    """(one whole protocol message, the rest, still in startup) — or (None, buffer, startup)."""
    if startup:
        if len(buffer) < 4:
            return None, buffer, True
        length = int.from_bytes(buffer[:4], "big")
        if len(buffer) < length:
            return None, buffer, True
        return buffer[:length], buffer[length:], False
    if len(buffer) < 5:
        return None, buffer, False
    length = int.from_bytes(buffer[1:5], "big")
    if len(buffer) < 1 + length:
        return None, buffer, False
    return buffer[: 1 + length], buffer[1 + length :], False


def _unix(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
