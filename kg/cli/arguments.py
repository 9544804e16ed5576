"""argparse types for values every command checks the same way, so a bad one is a usage
error (exit status 2, one line) and never a traceback from deep inside a command."""

from __future__ import annotations

import argparse
import math
from urllib.parse import urlsplit


def base_iri(text: str) -> str:
    """`--base`: an absolute http(s) IRI that the data IRIs extend with a path."""
    from pyoxigraph import NamedNode

    try:
        NamedNode(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IRI ({exc})") from None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) IRI with a host")
    if "?" in text or "#" in text:  # an empty query or fragment ("…/id/?") counts too
        raise argparse.ArgumentTypeError(
            f"{text!r} has a query or fragment; data IRIs extend the base with a path")
    return text


def http_url(text: str) -> str:
    """`--endpoint`, `--graph-store`, `--update`: an http(s) URL with a host, and no user or
    password in it (an error message would repeat them; --user and --password take them).
    Regression (session 29's attack): `kg load --graph-store 'not a url'` or 'http://[::1'
    was a ValueError traceback, and a password in --endpoint was printed back."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (a bad port or IPv6 address raises here)
    except ValueError:
        raise argparse.ArgumentTypeError("is not an http(s) URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
    if "@" in parts.netloc:
        raise argparse.ArgumentTypeError(
            "holds a user or password: give them as --user and --password (or "
            "$KG_SPARQL_USER and $KG_SPARQL_PASSWORD), not in the URL")
    return text


def port_number(text: str) -> int:
    """`--port`: 0 (any free port) to 65535."""
    port = _integer(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def positive_seconds(text: str) -> float:
    """A timeout: a finite number of seconds above 0."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0 or seconds > 86_400:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give a number of seconds above 0 and at most 86400")
    return seconds


def positive_integer(text: str) -> int:
    """A count that must be at least 1."""
    number = _integer(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at least 1")
    return number


# Query worker processes: each holds the store's pages and up to 1 GiB more (kg.serve.query_pool);
# more than this many is no server a machine runs. Regression (session 29's attack):
# `--workers 100000` spawned processes until the server was stopped.
MAX_WORKERS = 64


def worker_count(text: str) -> int:
    """`kg serve --workers`: 1 to MAX_WORKERS."""
    number = _integer(text)
    if not 1 <= number <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 to {MAX_WORKERS} worker processes")
    return number


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
