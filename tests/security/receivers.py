"""Hostile webhook receivers on loopback, for tests/security and benchmarks/webhook_isolation.py.

Each is a listening socket served by its own threads; it counts what it saw,
so a test can tell whether a request reached it and how much it was allowed
to send before the caller hung up.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Receiver:
    port: int
    requests: int = 0
    bytes_sent: int = 0
    cut_off: int = 0  # connections the caller closed while the receiver was still sending
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    conn.settimeout(10)
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return data


def _answer_ok(conn: socket.socket, receiver: Receiver) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def _trickle(conn: socket.socket, receiver: Receiver, every_s: float = 0.05) -> None:
    """An answer one byte at a time, never finished: each read sees a byte well within any per-read timeout."""
    head = b"HTTP/1.1 200 OK\r\nX-Slow: "
    sent = 0
    while True:  # the status line, then one header that never ends
        conn.sendall(head[sent : sent + 1] if sent < len(head) else b"a")
        sent += 1
        with receiver.lock:
            receiver.bytes_sent += 1
        time.sleep(every_s)


def _endless(conn: socket.socket, receiver: Receiver) -> None:
    """A 200 with a body that never ends, as fast as the caller takes it."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n")
    chunk = b"x" * 65536
    while True:
        conn.sendall(chunk)
        with receiver.lock:
            receiver.bytes_sent += len(chunk)


def _silent(conn: socket.socket, receiver: Receiver) -> None:
    """Reads the request and never answers."""
    time.sleep(3600)


BEHAVIOURS = {"ok": _answer_ok, "trickle": _trickle, "endless": _endless, "silent": _silent}


@contextlib.contextmanager
def receiver(behaviour: str) -> Iterator[Receiver]:
    serve = BEHAVIOURS[behaviour]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    state = Receiver(port=listener.getsockname()[1])
    stopping = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                _read_request(conn)
                with state.lock:
                    state.requests += 1
                serve(conn, state)
            except OSError:
                with state.lock:
                    state.cut_off += 1

    def accept_loop() -> None:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    try:
        yield state
    finally:
        stopping.set()
        listener.close()


def closed_port() -> int:
    """A loopback port nothing listens on (connecting is refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deliver_here(monkeypatch, settings, **more: object) -> None:
    """Have ``tasks.webhooks.deliver`` run as the webhook worker does, on this test's database and data folder, to
    receivers on loopback (``WEBHOOK_TIMEOUT_S`` 5 unless given); ``more``: other settings, by their name after
    ``TALKFARM_``, e.g. ``WEBHOOK_BREAKER_FAILURES=2``. Its per-process limits start afresh."""
    from tasks import webhooks

    chosen = {
        "DATA_DIR": settings.data_dir,
        "DATABASE_URL": settings.database_url,
        "WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        "WEBHOOK_TIMEOUT_S": 5,
        **more,
    }
    for name, value in chosen.items():
        monkeypatch.setenv(f"TALKFARM_{name}", str(value))
    monkeypatch.setattr(webhooks, "_limits", None)
