"""Per-client fairness for SPARQL queries: a few running and a few waiting per client.

The query workers are few (2 by default) and a query may hold one for the whole time limit, so
without a rule one client sending four slow queries keeps every worker busy and everyone else
waits, then gets 503. Each client (the connection's peer address: forwarded-for headers are not
trusted) may run at most `per_client` queries at once, which leaves workers for the others; its
further queries wait in line, at most `queue` of them; one more is refused at once with
429 Too Many Requests and a Retry-After. The HTTP layer names the client of the running
request in `current_client` (a context variable, so the routes need not pass it along).
"""

from __future__ import annotations

import contextvars
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

current_client: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_client", default="local"
)


class Refused(Exception):
    """A query that may not run now: `status` 429 (too many from this client) or 503."""

    def __init__(self, status: int, message: str, retry_after: int):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ClientGate:
    def __init__(self, per_client: int, queue: int, timeout: float):
        self.per_client = max(1, per_client)
        self.queue = max(0, queue)
        self.timeout = timeout
        self._cond = threading.Condition()
        self._running: dict[str, int] = {}
        self._waiting: dict[str, int] = {}

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.timeout))

    @contextmanager
    def slot(self, client: str | None = None) -> Iterator[None]:
        """Hold one of the client's query slots while the block runs."""
        who = client if client is not None else current_client.get()
        self._acquire(who)
        try:
            yield
        finally:
            with self._cond:
                self._running[who] -= 1
                if not self._running[who]:
                    del self._running[who]
                self._cond.notify_all()

    def _acquire(self, who: str) -> None:
        deadline = time.monotonic() + self.timeout
        with self._cond:
            if self._running.get(who, 0) >= self.per_client:
                if self._waiting.get(who, 0) >= self.queue:
                    raise Refused(
                        429,
                        f"too many queries from {who}: {self.per_client} running and "
                        f"{self.queue} waiting is the limit per client; retry after the "
                        "running ones finish",
                        self.retry_after,
                    )
                self._waiting[who] = self._waiting.get(who, 0) + 1
                try:
                    while self._running.get(who, 0) >= self.per_client:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise Refused(
                                503,
                                f"your earlier queries kept all {self.per_client} of your query "
                                f"slots busy for {self.timeout:g} s; try again later",
                                self.retry_after,
                            )
                        self._cond.wait(left)
                finally:
                    self._waiting[who] -= 1
                    if not self._waiting[who]:
                        del self._waiting[who]
            self._running[who] = self._running.get(who, 0) + 1
