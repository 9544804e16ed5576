"""`/reconcile`: the W3C Reconciliation API v0.2 service of `kg serve`, and a small form page.

The index is built from the server's own store (dist/store/ opened read-only, or kg.trig
loaded), in a background thread started by the first /reconcile request, once. Why from the
store and not cached in dist/ at build time: the store is already the one source the server
answers from (no second artefact to keep in step, checksum and publish), and a cached index
would still have to be read and its vectorisers refitted or unpickled (pickle in a published
download is code execution). Why in the background: on the full graph it takes minutes (the
index, then the re-ranker's training: 2-3.5 min on a busy 2-core machine) and 1.5 GB, which must
not delay the server's start or every other page, and most servers never get a reconciliation
request. The manifest and the form need no index and answer at once (OpenRefine reads the
manifest first, which starts the build); a query waits up to WAIT seconds for the index, then
gets 503 with Retry-After. CORS headers come from the HTTP layer like on every route.
A build served before gets its trained ranker from the per-user cache (kg/reconcile/cache.py)
in a second.
"""

from __future__ import annotations

import html
import json
import threading
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from kg.reconcile.cache import cache_dir, cached_ranker
from kg.reconcile.index import from_store
from kg.reconcile.rank import Ranker
from kg.reconcile.service import BadRequest, Service, manifest
from kg.reconcile.types import TYPES
from kg.serve.downloads import download_bytes
from kg.serve.pages import local_href
from kg.serve.responses import Response

if TYPE_CHECKING:
    from kg.serve.app import App

JSON_TYPE = "application/json; charset=utf-8"
WAIT = 30.0  # seconds a query waits for the index being built before a 503
RETRY_AFTER = 30
_LOCK = threading.Lock()


class _Building:
    """The index build of one app: a thread, and the service or error it ends with."""

    def __init__(self, app: App, root: str):
        self.done = threading.Event()
        self.service: Service | None = None
        self.error: str | None = None
        threading.Thread(target=self._run, args=(app, root), name="reconcile-index",
                         daemon=True).start()

    def _run(self, app: App, root: str) -> None:
        try:
            self.service = _service(app, root)
        except Exception as exc:  # reported to every later request, not lost in the thread
            self.error = f"/reconcile: the index could not be built: {exc}"
        finally:
            self.done.set()


def _service(app: App, root: str) -> Service:
    # The ranker comes from the per-user cache (kg/reconcile/cache.py) when this build was
    # served before: a second, not minutes. A build is named by its SHA256SUMS (kg.trig's hash
    # among them); the IRIs the index holds depend on the public base too.
    if cache_dir() is None:
        return Service(from_store(app.store), root, "{{id}}")
    sums = download_bytes(app.downloads, "SHA256SUMS")
    if sums is None:  # a folder not written by `kg build`: nothing names its graph
        return Service(from_store(app.store), root, "{{id}}")
    parts = [sums, app.mapping.data.encode(), app.mapping.public.encode()]
    ranker = cached_ranker(parts, lambda _: Ranker(from_store(app.store)), kind="serve")
    return Service(ranker.index, root, "{{id}}", ranker)


def _root(app: App) -> str:
    return app.mapping.public.rsplit("/id/", 1)[0] + "/reconcile"


def building(app: App) -> _Building:
    """The app's index build, started on first use."""
    with _LOCK:
        found = getattr(app, "reconcile_building", None)
        if found is None:
            found = _Building(app, _root(app))
            app.reconcile_building = found  # type: ignore[attr-defined]
        return found


def service(app: App, wait: float | None = None) -> Service | None:
    """The app's service once its index is built (None if not within `wait`, else WAIT,
    seconds)."""
    build = building(app)
    build.done.wait(WAIT if wait is None else wait)
    if build.error:
        raise RuntimeError(build.error)
    return build.service


def _json(value: Any, status: int = 200) -> Response:
    body = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return Response(status, body, JSON_TYPE)


SUBPATHS = ("", "/form", "/suggest/entity", "/suggest/type", "/suggest/property",
            "/extend/propose", "/view", "/preview")


def _is_extension(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and "ids" in value and "properties" in value


def _param(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def reconcile(app: App, method: str, path: str, params: dict[str, list[str]],
              headers: Message, body: bytes) -> Response:
    if method == "POST":
        kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            params = {name: params.get(name, []) + form.get(name, [])
                      for name in {*params, *form}}
        elif kind == "application/json" and body:
            # a JSON body is a query batch, or a data extension request by its "ids" (it was
            # answered "'ids' has no string 'query'"; session 30's attack)
            text = body.decode("utf-8", "replace")
            name = "extend" if _is_extension(text) else "queries"
            params = {**params, name: params.get(name, []) + [text]}
        elif body:  # regression (session 29's attack): a text/plain body was ignored
            return _json({"error": f"/reconcile: a POST body must be "
                                   "application/x-www-form-urlencoded or application/json, "
                                   f"got {kind or 'no Content-Type'!r}"}, 415)
    sub = path[len("/reconcile"):].rstrip("/")
    if sub not in SUBPATHS:  # before the index: an unknown path waited 30 s for a 503
        return Response.text(404, f"nothing at {path}")
    # A parameter given twice (in the URL, the body or both) is ambiguous: the first answer
    # kept the last of two `queries` batches and silently dropped the other.
    repeated = sorted(name for name, values in params.items() if len(values) > 1)
    if repeated and sub != "/form":  # the form page only prefills its fields
        return _json({"error": f"/reconcile: parameter {repeated[0]!r} given "
                               f"{len(params[repeated[0]])} times; send it once"}, 400)
    if sub == "" and "queries" in params and "extend" in params:  # one would go unanswered
        return _json({"error": "/reconcile: send either queries or extend, not both"}, 400)
    if sub == "/form":
        from kg.reconcile.service import documentation

        types = [(key, kind.name) for key, kind in TYPES.items()]
        page = app.pages.render("reconcile.html", types=types, documentation=documentation(),
                                query=_param(params, "q") or "",
                                selected=_param(params, "type") or types[0][0])
        return Response(200, page, "text/html; charset=utf-8")
    if sub == "" and _param(params, "queries") is None and _param(params, "extend") is None:
        building(app)  # a client reads the manifest first: start the index now
        return _json(manifest(_root(app)))
    try:
        svc = service(app)
    except RuntimeError as exc:
        return _json({"error": str(exc)}, 500)
    if svc is None:
        response = _json({"error": "/reconcile: the index is being built; retry in "
                                   f"{RETRY_AFTER} s"}, 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    try:
        if sub == "":
            if (queries := _param(params, "queries")) is not None:
                return _json(svc.queries(queries))
            if (extend := _param(params, "extend")) is not None:
                return _json(svc.extend(extend))
            return _json(svc.manifest())
        if sub == "/suggest/entity":
            cursor = _param(params, "cursor") or "0"
            # isdigit() holds for "²", which int() refuses (a 500); and 4,300 digits are over
            # int()'s limit
            if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 9):
                raise BadRequest(f"/reconcile/suggest/entity: cursor {cursor!r} is not a "
                                 "number of suggestions to skip")
            return _json(svc.suggest_entity(_param(params, "prefix") or "",
                                            _param(params, "type"), int(cursor)))
        if sub == "/suggest/type":
            return _json(svc.suggest_type(_param(params, "prefix") or ""))
        if sub == "/suggest/property":
            return _json(svc.suggest_property(_param(params, "prefix") or ""))
        if sub == "/extend/propose":
            return _json(svc.propose(_param(params, "type"), _param(params, "limit")))
        if sub == "/view":
            # The manifest's view: a candidate's id to its page here (its IRI's page).
            # Regression (session 29's audit): it was the 400x200 preview card.
            found = svc.entity_iris(_param(params, "id") or "")
            if not found:
                return Response.text(404, f"/reconcile/view: no entity {_param(params, 'id')!r}")
            # its page here: under /id/, or at /resource for an ESCO or ISCO IRI (it went to
            # ESCO's portal, which shows another edition)
            def page(iri: str) -> str:
                return local_href(iri, app.mapping.public, app.describes_external) or iri

            if len(found) == 1:
                return Response(303, b"", headers={"Location": page(found[0][0])})
            # 300 Multiple Choices: the types that share the id, each to its page
            items = "".join(f'<li><a href="{html.escape(page(iri))}">{html.escape(name)}</a> '
                            f"({html.escape(kind)})</li>" for iri, name, kind in found)
            body = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
                    f"{html.escape(_param(params, 'id') or '')}</title></head><body><p>Entities "
                    f"of several types have this id:</p><ul>{items}</ul></body></html>")
            return Response(300, body.encode("utf-8"), "text/html; charset=utf-8")
        if sub == "/preview":
            card = svc.preview(_param(params, "id") or "")
            if card is None:
                return Response.text(404, f"/reconcile/preview: no entity {_param(params, 'id')!r}")
            return Response(200, card.encode("utf-8"), "text/html; charset=utf-8")
    except BadRequest as exc:
        return _json({"error": str(exc)}, 400)
    return Response.text(404, f"nothing at {path}")
