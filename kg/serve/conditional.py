"""The last step of every answer: its validators, its encoding, and 304 Not Modified for a
client that holds it already (RFC 9110 8.8, 13.1, 15.4.5).

- ETag: an answer held in memory gets a strong ETag from a hash of its body (before gzip; the
  gzipped variant's tag ends in "-gzip", as two encodings are two representations). A
  download keeps the SHA-256 tag its route gives it.
- Last-Modified: the time the served build was published (its SHA256SUMS file's), on every
  answer derived from the build alone. Not on /sparql, whose queries may read the clock
  (NOW()); a static asset's is its file's.
- A GET or HEAD whose If-None-Match names the tag (or, without If-None-Match, whose
  If-Modified-Since is not before Last-Modified) is answered 304 with the validators, Vary
  and Cache-Control, and no body: the answer is not compressed for it.
"""

from __future__ import annotations

import hashlib
from email.message import Message
from email.utils import formatdate, parsedate_to_datetime

from kg.serve.compression import compressible, encoded, will_gzip, with_vary
from kg.serve.responses import Response

# What a 304 carries from the answer it stands for (RFC 9110 15.4.5).
_KEPT_BY_304 = ("ETag", "Last-Modified", "Vary", "Cache-Control", "Content-Location",
                "Expires", "Link")


def body_tag(body: bytes, gzipped: bool) -> str:
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    return f'"{digest}-gzip"' if gzipped else f'"{digest}"'


def http_date(seconds: float) -> str:
    return formatdate(int(seconds), usegmt=True)


def names_tag(if_none_match: str, tag: str) -> bool:
    """An If-None-Match list naming `tag` (weak comparison: W/ ignored), or "*"."""
    tags = [part.strip().removeprefix("W/") for part in if_none_match.split(",")]
    return "*" in tags or tag in tags


def unmodified_since(if_modified_since: str, last_modified: str) -> bool:
    try:
        asked = parsedate_to_datetime(if_modified_since)
        stated = parsedate_to_datetime(last_modified)
    except (TypeError, ValueError, IndexError):
        return False  # not a date: the condition is ignored (RFC 9110 13.1.3)
    if asked.tzinfo is None or stated.tzinfo is None:
        return False
    return stated <= asked


def finish(response: Response, method: str, request: Message, published: float | None,
           dated: bool = True) -> Response:
    """`response` as it goes out to this request (see the module's docstring). `published`:
    the build's publication time (None when unknown); `dated`: whether the answer depends on
    the build alone, so that time is its Last-Modified."""
    if method not in ("GET", "HEAD") or response.status != 200:
        return encoded(response, request) if method == "POST" else response
    headers = dict(response.headers)
    in_memory = response.file is None and response.file_fd is None
    gzipped = will_gzip(response, request)
    if in_memory and "ETag" not in headers:
        headers["ETag"] = body_tag(response.body, gzipped)
    if dated and published is not None and "Last-Modified" not in headers:
        headers["Last-Modified"] = http_date(published)
    response = Response(response.status, response.body, response.content_type, headers,
                        response.file, response.file_fd, response.file_range)
    if _not_modified(request, headers):
        if compressible(response):
            headers = with_vary(headers, "Accept-Encoding")
        return Response(304, b"", headers={k: headers[k] for k in _KEPT_BY_304 if k in headers})
    return encoded(response, request)


def _not_modified(request: Message, headers: dict[str, str]) -> bool:
    if_none_match = request.get("If-None-Match")
    if if_none_match is not None:  # it takes precedence over If-Modified-Since
        return "ETag" in headers and names_tag(if_none_match, headers["ETag"])
    if_modified_since = request.get("If-Modified-Since")
    return (if_modified_since is not None and "Last-Modified" in headers
            and unmodified_since(if_modified_since, headers["Last-Modified"]))
