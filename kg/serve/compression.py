"""gzip for the answers a client accepts it for (RFC 9110 12.5.3 Accept-Encoding).

Entity documents, pages, query results and reconciliation answers are text that gzip shrinks
five- to tenfold. Only answers held in memory are compressed: the downloads are served from
their files with byte ranges (a resumed download), which a compressed stream would break.
The output is deterministic (no timestamp in the gzip header), so the same answer gives the
same bytes and the same ETag (kg.serve.conditional).

A download requested whole (no Range) is gzipped as it streams, at level 1: 400 MB/s on this
machine's kg.nt, 13x smaller (918 MB -> 71 MB). Its length is not known ahead, so it goes out
chunked (HTTP/1.1) or up to the connection's close (HTTP/1.0). A Range request gets the file's
own bytes: what a client that stored the decoded file resumes from.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import replace
from email.message import Message

from kg.serve.responses import Response

# Smaller answers gain less than the header and the client's work cost.
MIN_BYTES = 1024
# A large query answer (up to 32 million characters) is compressed fast rather than small:
# level 1 is several times quicker than 6 and still shrinks RDF text about fivefold.
FAST_FROM = 1 << 20

_COMPRESSIBLE = re.compile(
    r"^(text/|application/(json|ld\+json|sparql-results\+(json|xml)|n-triples|n-quads|trig"
    r"|rdf\+xml|xml|javascript|turtle)|image/svg\+xml)", re.IGNORECASE)
_CODING = re.compile(r"^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:;\s*[qQ]\s*=\s*([0-9.]+)\s*)?$")


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip: named (or as x-gzip), or matched by "*",
    with a weight above 0; an entry that does not parse is ignored."""
    if not header:
        return False
    weights: dict[str, float] = {}
    for entry in header.split(","):
        found = _CODING.match(entry)
        if found is None:
            continue
        try:
            weight = float(found.group(2)) if found.group(2) is not None else 1.0
        except ValueError:
            continue
        if not 0.0 <= weight <= 1.0:  # also nan
            continue
        weights[found.group(1).lower()] = weight
    for name in ("gzip", "x-gzip"):
        if name in weights:
            return weights[name] > 0
    return weights.get("*", 0.0) > 0


def compressible(response: Response) -> bool:
    """A successful answer held in memory, of a text media type, not already encoded."""
    return (response.status == 200 and response.file is None and response.file_fd is None
            and "Content-Encoding" not in response.headers
            and _COMPRESSIBLE.match(response.content_type) is not None)


def with_vary(headers: dict[str, str], field: str) -> dict[str, str]:
    """A copy of `headers` whose Vary names `field` (once), keeping what it names already."""
    present = [part.strip() for part in headers.get("Vary", "").split(",") if part.strip()]
    if field.lower() in (part.lower() for part in present):
        return dict(headers)
    return {**headers, "Vary": ", ".join([*present, field])}


def gzip_body(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=1 if len(body) >= FAST_FROM else 6, mtime=0)


def will_gzip(response: Response, request: Message) -> bool:
    """Whether `encoded` compresses this answer for this request (every Accept-Encoding line
    read, as one list: RFC 9110 5.3)."""
    lines = request.get_all("Accept-Encoding")
    return (compressible(response) and len(response.body) >= MIN_BYTES
            and accepts_gzip(", ".join(str(line) for line in lines) if lines else None))


def encoded(response: Response, request: Message) -> Response:
    """`response` as sent to this request: gzipped when it is compressible, large enough and
    the request accepts gzip. A compressible answer varies by Accept-Encoding either way, so
    a shared cache keeps the two apart. A new Response: the one given may be cached."""
    if not compressible(response):
        return response
    headers = with_vary(response.headers, "Accept-Encoding")
    if not will_gzip(response, request):
        return replace(response, headers=headers)
    packed = response.gzipped if response.gzipped is not None else gzip_body(response.body)
    return replace(response, body=packed, gzipped=None,
                   headers={**headers, "Content-Encoding": "gzip"})


def compressible_download(media_type: str, size: int) -> bool:
    """A download that is sent gzipped to a client that accepts it (so it varies by it)."""
    return size >= MIN_BYTES and _COMPRESSIBLE.match(media_type) is not None


def gzips_download(media_type: str, size: int, request: Message) -> bool:
    """Whether a whole download of this media type and size goes out gzipped to this request."""
    lines = request.get_all("Accept-Encoding")
    return (compressible_download(media_type, size) and request.get("Range") is None
            and accepts_gzip(", ".join(str(line) for line in lines) if lines else None))


def gzip_chunks(chunks: Iterator[bytes], at_least: int = 64 * 1024) -> Iterator[bytes]:
    """`chunks` as one gzip stream (level 1, no timestamp: the same file gives the same
    bytes), in pieces of `at_least` bytes but the last."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: a gzip wrapper
    pending = bytearray()
    for chunk in chunks:
        pending += packer.compress(chunk)
        if len(pending) >= at_least:
            yield bytes(pending)
            pending.clear()
    pending += packer.flush()
    if pending:
        yield bytes(pending)
