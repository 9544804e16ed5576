"""The last step of every answer: its validator, its encoding, and 304 Not Modified for a
client that holds it already (RFC 9110 8.8, 13.1, 13.2, 15.4.5).

- ETag: an answer held in memory gets a strong ETag from a hash of its body (before gzip; the
  gzipped variant's tag ends in "-gzip", as two encodings are two representations). A body's
  hash is true whatever made it: a page that lists the stored queries changes when the folder
  does, a query may read the clock, a rollback serves older data.
- Last-Modified only where a file's time is the answer's: a download (kg.serve.routes
  `download`, which evaluates its own conditions before its byte ranges) and a static asset.
  No date on the other answers: the build's time would be false for them (an audit found
  /queries answered 304 after a stored query was added) and would let caches reuse them
  heuristically without asking.
- A GET or HEAD whose If-None-Match names the tag, or, without If-None-Match, whose
  If-Modified-Since is not before Last-Modified, is answered 304 with the validators, Vary
  and Cache-Control, and no body: the answer is not compressed for it.
"""

from __future__ import annotations

from datetime import UTC
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime

from kg.serve.compression import compressible, encoded, will_gzip, with_vary
from kg.serve.responses import Response

# What a 304 carries from the answer it stands for (RFC 9110 15.4.5).
_KEPT_BY_304 = ("ETag", "Last-Modified", "Vary", "Cache-Control", "Content-Location",
                "Expires", "Link", "Accept-Ranges")


def body_tag(body: bytes, gzipped: bool) -> str:
    import hashlib

    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    return f'"{digest}-gzip"' if gzipped else f'"{digest}"'


def http_date(seconds: float) -> str:
    return formatdate(int(seconds), usegmt=True)


def header(request: Message, name: str) -> str | None:
    """Every line of a list-valued header, joined (RFC 9110 5.3); None when absent."""
    lines = request.get_all(name)
    return ", ".join(str(line) for line in lines) if lines else None


def names_tag(if_none_match: str, tag: str) -> bool:
    """An If-None-Match list naming `tag` (weak comparison: W/ ignored, RFC 9110 13.1.2), or
    a bare "*"."""
    tags = [part.strip() for part in if_none_match.split(",")]
    return "*" in tags or tag in (t.removeprefix("W/") for t in tags)


def _date(text: str) -> float | None:
    """An HTTP-date as seconds; a date without a zone (asctime's form, "-0000") is GMT.
    None for anything that is not a date, which the condition then ignores (13.1.3)."""
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def not_modified(request: Message, headers: dict[str, str]) -> bool:
    """Whether a GET or HEAD with these preconditions may be answered 304, for an answer with
    these validators (If-None-Match first; If-Modified-Since only without it)."""
    if_none_match = header(request, "If-None-Match")
    if if_none_match is not None:
        return "ETag" in headers and names_tag(if_none_match, headers["ETag"])
    if_modified_since = request.get("If-Modified-Since")
    if if_modified_since is None or "Last-Modified" not in headers:
        return False
    asked, stated = _date(if_modified_since), _date(headers["Last-Modified"])
    return asked is not None and stated is not None and stated <= asked


def not_modified_answer(headers: dict[str, str]) -> Response:
    return Response(304, b"", headers={k: headers[k] for k in _KEPT_BY_304 if k in headers})


def finish(response: Response, method: str, request: Message) -> Response:
    """`response` as it goes out to this request (see the module's docstring)."""
    in_memory = response.file is None and response.file_fd is None
    if method not in ("GET", "HEAD") or response.status != 200 or not in_memory:
        return encoded(response, request) if method == "POST" else response
    headers = dict(response.headers)
    if "ETag" not in headers:
        headers["ETag"] = body_tag(response.body, will_gzip(response, request))
    if not_modified(request, headers):
        if compressible(response):
            headers = with_vary(headers, "Accept-Encoding")
        return not_modified_answer(headers)
    return encoded(Response(response.status, response.body, response.content_type, headers,
                            gzipped=response.gzipped), request)
