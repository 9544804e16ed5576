"""The W3C Reconciliation Service API v0.2 as JSON: manifest, query batches, suggest, preview and
data extension. Transport-free (the server routes call it; tests call it directly)."""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kg.reconcile.index import Index
from kg.reconcile.rank import MATCH_MARGIN, MATCH_SCORE, Candidate, Ranker
from kg.reconcile.types import DEFAULT_TYPE, TYPES

MAX_LIMIT = 100
MAX_BATCH = 1000


class BadRequest(ValueError):
    """A malformed request: the route answers 400 with the message."""


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    value: Callable[[Index, int], list[str]]


def _linked_ids(type_key: str) -> Callable[[Index, int], list[str]]:
    def value(index: Index, entity: int) -> list[str]:
        own = index.entities[entity]
        if own.type == type_key:
            return [own.id]
        return [e.id for e in index.linked(entity, type_key)]
    return value


def _soc(index: Index, entity: int) -> list[str]:
    own = index.entities[entity]
    if own.type == "onet-occupation":  # an O*NET-SOC code is its SOC code plus a suffix
        return [own.id[:7]]
    return _linked_ids("soc2018")(index, entity)


def _wage(index: Index, entity: int) -> list[str]:
    return [f"{index.median_wage[c]:.0f}" for c in _soc(index, entity) if c in index.median_wage]


def _job_zone(index: Index, entity: int) -> list[str]:
    own = index.entities[entity]
    iris = [own.iri] + [e.iri for e in index.linked(entity, "onet-occupation")]
    return sorted({index.job_zone[i] for i in iris if i in index.job_zone})


PROPERTIES: dict[str, Property] = {p.id: p for p in (
    Property("soc2018", "SOC 2018 code", _soc),
    Property("onet", "O*NET-SOC code", _linked_ids("onet-occupation")),
    Property("isco08", "ISCO-08 code", _linked_ids("isco08")),
    Property("esco", "ESCO occupation URI", _linked_ids("esco-occupation")),
    Property("median-wage", "Median annual wage (USD, latest BLS OEWS)", _wage),
    Property("job-zone", "O*NET job zone", _job_zone),
)}


class Service:
    """One index and its ranker; `root` is the public URL of /reconcile (no trailing slash)."""

    def __init__(self, index: Index, root: str, entity_view: str):
        self.index = index
        self.ranker = Ranker(index)
        self.root = root
        self.entity_view = entity_view  # URL template of the graph's entity pages, {{id}}
        self.any_id: dict[str, int] = {}
        for number, entity in enumerate(index.entities):
            self.any_id.setdefault(entity.id, number)
            self.any_id.setdefault(entity.iri, number)
        self.lock = threading.Lock()

    # -- manifest ---------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        ids = "; ".join(f"{t.name}: {t.ids}" for t in TYPES.values())
        return {
            "versions": ["0.2"],
            "name": "occupation-kg reconciliation (O*NET, ESCO, SOC, ISCO, occupation-kg)",
            "identifierSpace": "https://w3id.org/occupation-kg/reconcile/ids",
            "schemaSpace": "https://w3id.org/occupation-kg/ontology#",
            "documentation": f"{self.root}/form - ids: {ids}. match is true when the best "
                             f"candidate's uncapped score is >= {MATCH_SCORE:g} and leads the "
                             f"runner-up by >= {MATCH_MARGIN:g}, or the query is its id.",
            "defaultTypes": [{"id": t.key, "name": t.name} for t in TYPES.values()],
            "view": {"url": f"{self.root}/preview?id={{{{id}}}}"},
            "preview": {"url": f"{self.root}/preview?id={{{{id}}}}", "width": 400,
                        "height": 200},
            "suggest": {
                "entity": {"service_url": self.root, "service_path": "/suggest/entity"},
                "type": {"service_url": self.root, "service_path": "/suggest/type"},
                "property": {"service_url": self.root, "service_path": "/suggest/property"},
            },
            "extend": {
                "propose_properties": {"service_url": self.root,
                                       "service_path": "/extend/propose"},
                "property_settings": [],
            },
        }

    # -- queries ----------------------------------------------------------------------------
    def queries(self, raw: str) -> dict[str, Any]:
        batch = _json_object(raw, "queries")
        if len(batch) > MAX_BATCH:
            raise BadRequest(f"queries: {len(batch)} queries, at most {MAX_BATCH} per batch")
        groups: dict[tuple[str, int], list[tuple[str, str, list[Any]]]] = {}
        for key, q in batch.items():
            if not isinstance(q, dict) or not isinstance(q.get("query"), str):
                raise BadRequest(f"queries: {key!r} has no string 'query'")
            type_key = _type_of(q.get("type"), key)
            limit = q.get("limit", 5)
            if not isinstance(limit, int | float) or limit < 1:
                raise BadRequest(f"queries: {key!r} has limit {limit!r} (a positive number)")
            props = q.get("properties", [])
            if not isinstance(props, list):
                raise BadRequest(f"queries: {key!r}: properties must be a list")
            groups.setdefault((type_key, min(int(limit), MAX_LIMIT)), []).append(
                (key, q["query"], props))
        out: dict[str, Any] = {}
        for (type_key, limit), items in groups.items():
            with self.lock:
                ranked = self.ranker.rank([text for _, text, _ in items], type_key, limit)
            for (key, _, props), candidates in zip(items, ranked, strict=True):
                out[key] = {"result": [self._candidate(c) for c in
                                       self._refine(candidates, props)]}
        return out

    def _refine(self, candidates: list[Candidate], props: list[Any]) -> list[Candidate]:
        """Property values the query gives lift the candidates that have them (10 points)."""
        wanted = []
        for p in props:
            if isinstance(p, dict) and p.get("pid") in PROPERTIES:
                values = p.get("v") if isinstance(p.get("v"), list) else [p.get("v")]
                wanted.append((PROPERTIES[p["pid"]], {str(v.get("id") if isinstance(v, dict)
                                                          else v) for v in values}))
        if not wanted:
            return candidates
        for c in candidates:
            if any(set(prop.value(self.index, c.entity)) & vals for prop, vals in wanted):
                c.score = min(100.0, c.score + 10.0)
        return sorted(candidates, key=lambda c: -c.score)

    def _candidate(self, c: Candidate) -> dict[str, Any]:
        return {"id": c.id, "name": c.name, "score": c.score, "match": c.match,
                "type": [{"id": c.type, "name": TYPES[c.type].name}]}

    # -- suggest ----------------------------------------------------------------------------
    def suggest_entity(self, prefix: str, type_key: str | None) -> dict[str, Any]:
        type_key = _type_of(type_key, "type")
        if not prefix.strip():
            return {"result": []}
        with self.lock:
            ranked = self.ranker.rank([prefix], type_key, 10)[0]
        return {"result": [{"id": c.id, "name": c.name,
                            "notable": [{"id": c.type, "name": TYPES[c.type].name}]}
                           for c in ranked]}

    def suggest_type(self, prefix: str) -> dict[str, Any]:
        p = prefix.lower()
        return {"result": [{"id": t.key, "name": t.name} for t in TYPES.values()
                           if p in t.name.lower() or p in t.key]}

    def suggest_property(self, prefix: str) -> dict[str, Any]:
        p = prefix.lower()
        return {"result": [{"id": q.id, "name": q.name} for q in PROPERTIES.values()
                           if p in q.name.lower() or p in q.id]}

    def propose(self, type_key: str | None) -> dict[str, Any]:
        return {"type": _type_of(type_key, "type"),
                "properties": [{"id": p.id, "name": p.name} for p in PROPERTIES.values()]}

    # -- extend -----------------------------------------------------------------------------
    def extend(self, raw: str) -> dict[str, Any]:
        request = _json_object(raw, "extend")
        ids, props = request.get("ids"), request.get("properties")
        if not isinstance(ids, list) or not isinstance(props, list):
            raise BadRequest("extend: needs 'ids' and 'properties' lists")
        wanted = []
        for p in props:
            pid = p.get("id") if isinstance(p, dict) else None
            if pid not in PROPERTIES:
                raise BadRequest(f"extend: unknown property {pid!r} "
                                 f"(one of {', '.join(PROPERTIES)})")
            wanted.append(PROPERTIES[pid])
        rows: dict[str, Any] = {}
        for entity_id in ids:
            number = self.any_id.get(str(entity_id))
            rows[str(entity_id)] = {
                p.id: [{"str": v} for v in (p.value(self.index, number)
                                            if number is not None else [])]
                for p in wanted
            }
        return {"meta": [{"id": p.id, "name": p.name} for p in wanted], "rows": rows}

    # -- preview ----------------------------------------------------------------------------
    def preview(self, entity_id: str) -> str | None:
        number = self.any_id.get(entity_id)
        if number is None:
            return None
        e = self.index.entities[number]
        codes = []
        for p in PROPERTIES.values():
            values = p.value(self.index, number)
            if values:
                codes.append(f"<dt>{html.escape(p.name)}</dt>"
                             f"<dd>{html.escape(', '.join(values))}</dd>")
        link = self.entity_view.replace("{{id}}", e.iri)
        return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                f"<title>{html.escape(e.name)}</title></head>"
                "<body style='font-family:sans-serif;font-size:13px;margin:6px'>"
                f"<h3 style='margin:0'><a href='{html.escape(link)}' target='_blank'>"
                f"{html.escape(e.name)}</a></h3>"
                f"<p style='margin:2px 0'>{html.escape(TYPES[e.type].name)} · "
                f"<code>{html.escape(e.id)}</code></p><dl>{''.join(codes)}</dl></body></html>")


def _type_of(value: Any, where: str) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, ""):
        return DEFAULT_TYPE
    if value not in TYPES:
        raise BadRequest(f"{where}: unknown type {value!r} (one of {', '.join(TYPES)})")
    return str(value)


def _json_object(raw: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{name}: not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise BadRequest(f"{name}: expected a JSON object")
    return value
