"""One webhook POST that cannot be turned into a trap or a probe.

- It connects to the very address that passed the target check
  (``tasks/webhook_targets.py``): the name is not resolved a second time, so a
  TTL-0 name that answers a public address to the check and 127.0.0.1 to the
  connect (DNS rebinding) reaches nothing inside. TLS still checks the
  certificate against the URL's host name (SNI and ``check_hostname``).
- The whole attempt (connect, TLS, sending, the answer's headers and body) has
  one deadline. A watchdog shuts the socket down when it passes, so a receiver
  that trickles one byte every few seconds holds the thread no longer than it.
- At most ``max_response_bytes`` of the answer are read; the body is not used,
  so an endless body costs that much and no more.
- No proxy from the environment is used (``requests`` would honour
  ``HTTP_PROXY``, which would resolve the name again on its side).

``http.client`` (the standard library) is used rather than ``requests`` because
it lets the connection be made to a given address while the Host header, SNI
and certificate check keep the URL's name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache
from urllib.parse import urlsplit

import certifi

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class ReceiverAnswer:
    """What a receiver answered: its status and headers (the body is read, capped, and dropped)."""

    status_code: int
    headers: Mapping[str, str] | Message  # http.client's headers: case-insensitive get()


class NoAnswer(Exception):
    """The receiver gave no HTTP answer within the deadline (refused, reset, timed out, TLS failed).
    ``reason`` is for the operator's log only: the tenant sees one undifferentiated error, so the
    deliveries list cannot tell a closed port from a filtered one."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())  # check_hostname and CERT_REQUIRED


class _Watchdog:
    """Shuts a socket down at a deadline, whatever call is blocked on it. The socket's file
    descriptor is shut down directly, so it works before and after the TLS wrap; ``done()``
    is called before the connection closes, so a reused descriptor is never touched."""

    def __init__(self, seconds: float):
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._finished = False
        self.fired = False
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        """Follow ``sock``: when the deadline passes, the watchdog shuts it, whatever read or write is blocked on it."""
        with self._lock:
            self._fd = sock.fileno()

    def _fire(self) -> None:
        with self._lock:
            if self._finished or self._fd is None:
                self.fired = not self._finished
                return
            self.fired = True
            shutter = socket.socket(fileno=self._fd)
            try:
                shutter.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                shutter.detach()  # the descriptor stays the connection's to close

    def forget(self) -> None:
        """Stop following the socket (closed by its owner)."""
        with self._lock:
            self._fd = None

    def done(self) -> None:
        """The attempt ended in time: the watchdog stands down."""
        with self._lock:
            self._finished = True
        self._timer.cancel()


def _connection(
    scheme: str, host: str, port: int, address: IPAddress, timeout: float, watchdog: _Watchdog
) -> http.client.HTTPConnection:
    conn: http.client.HTTPConnection
    if scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def pinned(_address, connect_timeout, source_address=None):
        """http.client's connect, to the address that passed the check rather than a second look-up of the name (DNS
        rebinding).
        """
        sock = socket.create_connection((str(address), port), connect_timeout, source_address)
        watchdog.watch(sock)
        return sock

    conn._create_connection = pinned  # type: ignore[attr-defined]  # http.client's documented seam
    return conn


def post_pinned(
    url: str,
    addresses: Sequence[IPAddress],
    body: bytes,
    headers: Mapping[str, str],
    *,
    deadline_s: float,
    max_response_bytes: int,
) -> ReceiverAnswer:
    """POST ``body`` to ``url``, connecting only to ``addresses`` (in order, IPv4 first), all within
    ``deadline_s``. Raises ``NoAnswer`` when no HTTP answer came in time."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    ordered = sorted(addresses, key=lambda a: (a.version, str(a)))
    if not ordered:
        raise NoAnswer("no address to connect to")
    deadline = time.monotonic() + deadline_s
    watchdog = _Watchdog(deadline_s)
    reasons = []
    try:
        for address in ordered:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or watchdog.fired:
                break
            conn = _connection(parts.scheme, host, port, address, remaining, watchdog)
            try:
                conn.request("POST", path, body=body, headers=dict(headers))
                response = conn.getresponse()
                response.read(max_response_bytes)  # capped; what is left is never read
                if watchdog.fired:
                    raise TimeoutError("deadline passed")
                return ReceiverAnswer(response.status, response.headers)
            except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as exc:
                if watchdog.fired:
                    reasons.append(f"{address}: the {deadline_s:g} s deadline passed")
                    break
                reasons.append(f"{address}: {type(exc).__name__}: {exc}")
            finally:
                watchdog.forget()  # before the close frees the descriptor for reuse
                conn.close()
    finally:
        watchdog.done()
    raise NoAnswer("; ".join(reasons) or f"the {deadline_s:g} s deadline passed")
