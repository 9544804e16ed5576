"""Request-level limits of the HTTP layer: body length, draining, connections per client.

- `body_length()`: Content-Length must be one non-negative decimal number (RFC 9110 8.6);
  anything else is a 400, and a chunked body (which the standard library server cannot read)
  a 411, both answered before the connection is closed, never a silent drop or a hang.
- `drain()`: a body over MAX_BODY is read and dropped (up to DRAIN_MAX bytes, within
  DRAIN_SECONDS) before the 413 is sent: closing a socket with unread input makes the kernel send
  a reset, and the client would never see the answer.
- `ConnectionCap`: a mixin for socketserver servers that allows at most `per_client` open
  connections per peer address; one more is answered 503 with Retry-After and closed, so one
  client holding hundreds of idle connections cannot take every thread.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from email.message import Message
from typing import Any, BinaryIO

from kg.serve.responses import Response

MAX_BODY = 1_000_000
DRAIN_MAX = 16 * 1024 * 1024
DRAIN_SECONDS = 10.0
_DIGITS = re.compile(r"[0-9]{1,18}")
# Seconds a request may take from its first line to the end of its body. The socket timeout
# bounds each read only, so a client sending a header line every 8 s held a connection as long
# as it liked (64 of 64 still open after 40 s, attack session 24).
REQUEST_SECONDS = 30.0


class RequestClock:
    """The handler's rfile, with every read of a request bounded by REQUEST_SECONDS from its
    first line (the idle timeout still bounds the wait for that line). `done` gives the socket
    its idle timeout back before the answer is written."""

    def __init__(self, raw: BinaryIO, sock: socket.socket, idle: float | None) -> None:
        self.raw, self.sock, self.idle = raw, sock, idle
        self.deadline: float | None = None

    def _timeout(self) -> None:
        if self.deadline is None:
            self.sock.settimeout(self.idle)
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long to arrive")
        self.sock.settimeout(min(left, self.idle) if self.idle else left)

    def readline(self, limit: int = -1) -> bytes:
        self._timeout()
        line = self.raw.readline(limit)
        if self.deadline is None and line:
            self.deadline = time.monotonic() + REQUEST_SECONDS
        return line

    def read(self, size: int = -1) -> bytes:
        self._timeout()
        return self.raw.read(size)

    def done(self) -> None:
        """The request is read: the next one gets a clock of its own."""
        if self.deadline is not None:
            self.deadline = None
            self.sock.settimeout(self.idle)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class BadLength(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def body_length(headers: Message) -> int:
    """The request body's length in bytes (0 when there is none), or BadLength."""
    if headers.get("Transfer-Encoding") is not None:
        raise BadLength(411, "chunked request bodies are not accepted: send Content-Length")
    values = headers.get_all("Content-Length") or []
    if not values:
        return 0
    distinct = {v.strip() for v in values}
    if len(distinct) != 1:
        raise BadLength(400, f"conflicting Content-Length headers: {', '.join(sorted(distinct))}")
    value = distinct.pop()
    if not _DIGITS.fullmatch(value):
        raise BadLength(400, f"malformed Content-Length {value!r}: expected a number of bytes")
    return int(value)


def too_large(length: int) -> Response:
    return Response.text(
        413, f"request body of {length} bytes is over the limit of {MAX_BODY} bytes; send a "
        "shorter query", Connection="close",
    )


def drain(rfile: BinaryIO, length: int, sock: socket.socket) -> int:
    """Read and drop up to `length` bytes (at most DRAIN_MAX, within DRAIN_SECONDS)."""
    todo = min(length, DRAIN_MAX)
    deadline = time.monotonic() + DRAIN_SECONDS
    done = 0
    old = sock.gettimeout()
    try:
        while done < todo:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(min(left, old) if old else left)
            chunk = rfile.read1(min(65536, todo - done))  # type: ignore[attr-defined]
            if not chunk:
                break
            done += len(chunk)
    except OSError:
        pass
    finally:
        try:
            sock.settimeout(old)
        except OSError:
            pass
    return done


class ConnectionCap:
    """Mixin before socketserver.ThreadingMixIn: per-address connection limit."""

    per_client = 64
    _MESSAGE = b"too many open connections from your address; close some and retry\n"
    _REFUSAL = (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Retry-After: 5\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(_MESSAGE), _MESSAGE)
    )

    def __init__(self, *args: Any, **kwargs: Any):
        self._open: dict[str, int] = {}
        self._open_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        host = client_address[0]
        with self._open_lock:
            count = self._open.get(host, 0)
            if count < self.per_client:
                self._open[host] = count + 1
        if count >= self.per_client:
            try:
                request.settimeout(1.0)  # a few bytes into an empty send buffer
                request.sendall(self._REFUSAL)
            except OSError:
                pass
            self.shutdown_request(request)  # type: ignore[attr-defined]
            return
        super().process_request(request, client_address)  # type: ignore[misc]

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)  # type: ignore[misc]
        finally:
            host = client_address[0]
            with self._open_lock:
                self._open[host] -= 1
                if not self._open[host]:
                    del self._open[host]
