"""CORS: every answer may be read by scripts on any origin (the data is public, read-only, and
the server uses no cookies or credentials), and preflight requests get a proper answer.

`cors_headers()` is added to every response by the HTTP layer (kg.serve.app), so routes need
not care; `preflight()` answers OPTIONS on any path.
"""

from __future__ import annotations

from email.message import Message

from kg.serve.responses import Response

# Headers a cross-origin script may read besides the CORS-safelisted ones.
EXPOSED = (
    "Content-Length", "Content-Disposition", "ETag", "Link", "Location", "Retry-After", "Vary",
    "X-KG-Result-Limit", "Accept-Ranges", "Content-Range",
)
# Request headers a script may send: what SPARQL clients and YASGUI send.
ALLOWED_HEADERS = (
    "Accept", "Accept-Language", "Cache-Control", "Content-Type", "If-Match", "If-None-Match",
    "If-Modified-Since", "Range", "X-Requested-With",
)
MAX_AGE = 86400


def methods_for(path: str) -> str:
    # Regression (session 29's audit): /reconcile takes POST (a form or a JSON body) but its
    # preflight named only GET, so a browser client sending JSON was blocked.
    posted = path == "/sparql" or path == "/reconcile" or path.startswith("/reconcile/")
    return "GET, HEAD, POST, OPTIONS" if posted else "GET, HEAD, OPTIONS"


def cors_headers() -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": ", ".join(EXPOSED),
    }


def preflight(path: str, headers: Message) -> Response:
    """204 for OPTIONS: the methods this path takes, the headers a script may send."""
    methods = methods_for(path)
    out = {"Allow": methods, "Cache-Control": f"max-age={MAX_AGE}"}
    if headers.get("Origin") is not None:
        out.update(
            {
                "Access-Control-Allow-Methods": methods,
                "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
                "Access-Control-Max-Age": str(MAX_AGE),
                # The answer differs by these request headers: caches must keep them apart.
                "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            }
        )
    return Response(204, b"", headers=out)
