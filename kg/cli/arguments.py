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
    """`--endpoint`: an http(s) URL with a host."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http(s) URL")
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


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
