"""`/reconcile`: the W3C Reconciliation API v0.2 service of `kg serve`, and a small form page.

The index is built from the server's store on the first request (a few seconds on the full
graph), once, under a lock; CORS headers come from the HTTP layer like on every route.
"""

from __future__ import annotations

import json
import threading
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from kg.reconcile.index import from_store
from kg.reconcile.service import BadRequest, Service
from kg.reconcile.types import TYPES
from kg.server.responses import Response

if TYPE_CHECKING:
    from kg.server.app import App

JSON_TYPE = "application/json; charset=utf-8"
_LOCK = threading.Lock()


def service(app: App) -> Service:
    with _LOCK:
        found = getattr(app, "reconcile_service", None)
        if found is None:
            root = app.mapping.public.rsplit("/id/", 1)[0] + "/reconcile"
            found = Service(from_store(app.store), root, "{{id}}")
            app.reconcile_service = found  # type: ignore[attr-defined]
        return found


def _json(value: Any, status: int = 200) -> Response:
    body = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return Response(status, body, JSON_TYPE)


def _param(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def reconcile(app: App, method: str, path: str, params: dict[str, list[str]],
              headers: Message, body: bytes) -> Response:
    if method == "POST":
        kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            params = {**params, **parse_qs(body.decode("utf-8", "replace"),
                                           keep_blank_values=True)}
        elif kind == "application/json" and body:
            params = {**params, "queries": [body.decode("utf-8", "replace")]}
    sub = path[len("/reconcile"):].rstrip("/")
    if sub == "/form":
        types = [(key, kind.name) for key, kind in TYPES.items()]
        page = app.pages.render("reconcile.html", types=types,
                                query=_param(params, "q") or "",
                                selected=_param(params, "type") or types[0][0])
        return Response(200, page, "text/html; charset=utf-8")
    svc = service(app)
    try:
        if sub == "":
            if (queries := _param(params, "queries")) is not None:
                return _json(svc.queries(queries))
            if (extend := _param(params, "extend")) is not None:
                return _json(svc.extend(extend))
            return _json(svc.manifest())
        if sub == "/suggest/entity":
            return _json(svc.suggest_entity(_param(params, "prefix") or "",
                                            _param(params, "type")))
        if sub == "/suggest/type":
            return _json(svc.suggest_type(_param(params, "prefix") or ""))
        if sub == "/suggest/property":
            return _json(svc.suggest_property(_param(params, "prefix") or ""))
        if sub == "/extend/propose":
            return _json(svc.propose(_param(params, "type")))
        if sub == "/preview":
            card = svc.preview(_param(params, "id") or "")
            if card is None:
                return Response.text(404, f"/reconcile/preview: no entity {_param(params, 'id')!r}")
            return Response(200, card.encode("utf-8"), "text/html; charset=utf-8")
    except BadRequest as exc:
        return _json({"error": str(exc)}, 400)
    return Response.text(404, f"nothing at {path}")
