"""The W3C Reconciliation Service API v0.2 as JSON: manifest, query batches, suggest, preview and
data extension. Transport-free (the server routes call it; tests call it directly)."""

from __future__ import annotations

import html
import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kg.reconcile.index import Entity, Index
from kg.reconcile.rank import (
    MATCH_MARGIN,
    MATCH_MARGIN_RERANKED,
    MATCH_PROB,
    MATCH_RATIO,
    MATCH_SUPPORT,
    MATCH_SUPPORT_RERANKED,
    SCORE_FULL,
    Candidate,
    Ranker,
)
from kg.reconcile.suggest import PrefixSuggester
from kg.reconcile.types import DEFAULT_TYPE, TYPES

MAX_LIMIT = 100
MAX_PROPERTIES = 50  # property values a query may give
MAX_BATCH = 1000
SUGGESTED = 10  # entities a suggest answer lists
# type_strict (v0.2, for a query naming several types): "any" keeps candidates of any of them,
# "all" only entities that are of every one, "should" ranks every type but scales the score
# of a candidate of an unnamed type by SHOULD_FACTOR (the types guide, they do not filter).
STRICTNESS = ("any", "all", "should")
SHOULD_FACTOR = 0.8


class BadRequest(ValueError):
    """A malformed request: the route answers 400 with the message."""


@dataclass(frozen=True)
class Property:
    id: str
    name: str
    value: Callable[[Index, int], list[str]]
    # The reconciliation type whose ids the values are: data extension gives them as
    # {"id", "name"} with that type in its meta, so a client makes a reconciled column.
    type: str = ""
    number: type[int] | type[float] | None = None  # a plain figure is {"int"} or {"float"}


def _linked_ids(type_key: str) -> Callable[[Index, int], list[str]]:
    def value(index: Index, entity: int) -> list[str]:
        own = index.entities[entity]
        if own.type == type_key:
            return [own.id]
        if own.type == "isco08":
            return sorted(set(index.codes(entity, type_key)) | set(_through_isco(index, own,
                                                                                 type_key)))
        return index.codes(entity, type_key)
    return value


def _through_isco(index: Index, group: Entity, type_key: str) -> list[str]:
    """The O*NET-SOC 2019 or SOC 2018 codes BLS's ISCO-08/SOC 2010 crosswalk gives an ISCO-08
    group, through O*NET's 2010 crosswalks: the ISCO column of those codes read backwards, as
    dist/mappings/isco08-soc2018-chained.sssom.tsv composes it. Extending ISCO groups gave empty
    SOC, O*NET, wage and job-zone cells (session 36's client audit: 2655 Actors has the exact
    match 27-2011)."""
    return [index.entities[holder].id for holder in index.holders_of_isco.get(group.id, ())
            if index.entities[holder].type == type_key]


def _soc(index: Index, entity: int) -> list[str]:
    own = index.entities[entity]
    if own.type == "onet-occupation":  # an O*NET-SOC code is its SOC code plus a suffix
        return [own.id[:7]]
    return _linked_ids("soc2018")(index, entity)


def _isco(index: Index, entity: int) -> list[str]:
    """The ISCO-08 groups linked to the entity, and for an O*NET-SOC or SOC occupation those
    BLS's ISCO-08/SOC 2010 crosswalk gives its SOC 2010 code (kg.reconcile.index
    ._isco_through_soc2010). The form's ISCO column was empty for them; reading the Nesta
    crosswalk backwards (through the ESCO occupations matched to them) gave wrong groups for
    about 1 in 8 (Fashion Designers got 5142 Beauticians, from "personal stylist")."""
    found = set(_linked_ids("isco08")(index, entity))
    found.update(getattr(index, "isco_of", {}).get(index.entities[entity].iri, ()))
    return sorted(found)


def _value_count(props: list[Any]) -> int:
    """Property values a query gives: a property's `v` may be a list of them (the second audit:
    one property of 60,100 values passed a limit that counted properties)."""
    return sum(len(p["v"]) if isinstance(p, dict) and isinstance(p.get("v"), list) else 1
               for p in props)


def _comparable(values: Iterable[str]) -> set[str]:
    """A property value as given, as its first word and as a whole number: "42210" is the
    median-wage value "42210 (of its group, SOC 51-2090)", "239200" the value "239200 or
    more" (the second audit: only the whole annotated text matched), "121440" the value
    121440.0."""
    out = set()
    for value in values:
        out.add(value.strip())
        out.add(value.strip().split(" ", 1)[0])
        # a figure as data extension gives it back: 121440.0 is the value "121440"
        try:
            figure = float(value)
        except ValueError:
            continue
        if figure.is_integer():
            out.add(str(int(figure)))
    return out


# a SOC 2018 broad group: XX-XXX0, not a minor (XX-XX00) or major (XX-0000) group
BROAD_GROUP = re.compile(r"[0-9]{2}-[0-9]{3}[0-9](?<!00)(?<=0)")


def _wage(index: Index, entity: int) -> list[str]:
    """The latest median; a top-coded one (BLS's "#") as "239200 or more", as the pages say.
    Where BLS publishes only the SOC code's broad group (31-1120 for Home Health Aides,
    31-1121), the group's median, named, as the pages give it: the column was empty for 59
    O*NET-SOC occupations (session 27's audit). Never a minor or major group's (27-2000 is
    Media and Communication Workers), nor where BLS gives the code an hourly median only
    (Actors: $23.33 an hour, not their group's $78,000 a year; the second audit). Before the
    group, the BLS aggregate that combines the code, as the pages take it: SOC 53-1042 gave
    its group 53-1040's median where its page charts the aggregate 53-1047's (session 34's
    audit). An O*NET-SOC occupation's is its SOC code's (OEWS has no O*NET-SOC codes), a
    number for data extension; the preview names the code for a specialty (xx-xxxx.01, ...).
    An entity with several SOC codes (an ISCO group, some ESCO occupations) gets each median
    named by its code: ISCO 0310 (armed forces, other ranks) gave a bare 77390, which is 17-3029
    Engineering Technicians' and the only median of its nine codes (session 36's review)."""
    out = []
    codes = _soc(index, entity)
    for own in codes:
        code, whose = own, f" (of SOC {own})" if len(codes) > 1 else ""
        group = getattr(index, "soc_group", {}).get(own, "")
        aggregate = getattr(index, "soc_aggregate", {}).get(own, "")
        if own not in index.median_wage and own not in getattr(index, "hourly_only", set()):
            if aggregate in index.median_wage:
                code, whose = aggregate, f" (of the BLS aggregate SOC {aggregate})"
            elif BROAD_GROUP.fullmatch(group):
                code, whose = group, f" (of its group, SOC {group})"
        if code != own and len(codes) > 1:  # a stand-in of one of several codes: say whose
            whose = whose[:-1] + f", for SOC {own})"
        if code in index.median_wage:
            out.append(f"{index.median_wage[code]:.0f}"
                       + (" or more" if code in index.median_wage_at_least else "") + whose)
    return out


def _esco(index: Index, entity: int) -> list[str]:
    """Linked ESCO occupations, and for an O*NET-SOC occupation those the Nesta crosswalk gives
    its O*NET-SOC 2010 codes by any match (kg.reconcile.index._esco_through_onet2010)."""
    found = set(_linked_ids("esco-occupation")(index, entity))
    found.update(getattr(index, "esco_of", {}).get(index.entities[entity].iri, ()))
    return sorted(found)


def _job_zone(index: Index, entity: int) -> list[str]:
    own = index.entities[entity]
    iris = [own.iri] + [e.iri for e in index.linked(entity, "onet-occupation")]
    if own.type == "isco08":  # the O*NET-SOC occupations of the group (_through_isco)
        iris += [index.entities[h].iri for h in index.holders_of_isco.get(own.id, ())]
    return sorted({index.job_zone[i] for i in iris if i in index.job_zone})


PROPERTIES: dict[str, Property] = {p.id: p for p in (
    Property("soc2018", "SOC 2018 code", _soc, "soc2018"),
    Property("onet", "O*NET-SOC code", _linked_ids("onet-occupation"), "onet-occupation"),
    Property("isco08", "ISCO-08 code (BLS's ISCO-08/SOC 2010 crosswalk for O*NET and SOC)",
             _isco, "isco08"),
    Property("esco", "ESCO occupation URI", _esco, "esco-occupation"),
    Property("median-wage", "Median annual wage (USD, latest BLS OEWS, of the SOC code for an "
             "O*NET-SOC occupation; \"or more\" where BLS "
             "gives only its top code)", _wage, number=float),
    Property("job-zone", "O*NET job zone", _job_zone, number=int),
)}


class Service:
    """One index and its ranker; `root` is the public URL of /reconcile (no trailing slash)."""

    def __init__(self, index: Index, root: str, entity_view: str, ranker: Ranker | None = None):
        self.index = index
        self.ranker = ranker if ranker is not None else Ranker(index)
        self.root = root
        self.entity_view = entity_view  # URL template of the graph's entity pages, {{id}}
        self.any_id: dict[str, int] = {}
        # Every entity an id names: ISCO-08's major groups and O*NET's top content-model
        # elements share "1" to "6" (the second audit: /view?id=2 led to ISCO's Professionals
        # for O*NET's Worker Requirements).
        self.all_of_id: dict[str, list[int]] = {}
        for number, entity in enumerate(index.entities):
            self.any_id.setdefault(entity.id, number)
            self.any_id.setdefault(entity.iri, number)
            named = self.all_of_id.setdefault(entity.id, [])
            if not any(index.entities[n].iri == entity.iri for n in named):
                named.append(number)
        # Every type an entity's IRI has (an IRI can be in several types' patterns).
        by_iri: dict[str, list[str]] = {}
        for entity in index.entities:
            by_iri.setdefault(entity.iri, []).append(entity.type)
        self.types_of = [sorted(set(by_iri[e.iri]), key=list(TYPES).index)
                         for e in index.entities]
        self.lock = threading.Lock()
        self._holders: dict[tuple[str, str], dict[str, list[int]]] = {}
        self._shared_id_start: dict[str, str] = {}
        self._suggester: PrefixSuggester | None = None  # built at the first suggest

    # -- manifest ---------------------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        return manifest(self.root)

    # -- queries ----------------------------------------------------------------------------
    def queries(self, raw: str) -> dict[str, Any]:
        batch = _json_object(raw, "queries")
        if len(batch) > MAX_BATCH:
            raise BadRequest(f"queries: {len(batch)} queries, at most {MAX_BATCH} per batch")
        groups: dict[tuple[tuple[str, ...], str, int], list[tuple[str, str, list[Any]]]] = {}
        by_properties: dict[str, Any] = {}
        for key, q in batch.items():
            if isinstance(q, dict) and q.get("query") in (None, "") and q.get("properties"):
                by_properties[key] = q  # 0.2: a query may give property values only
                continue
            if not isinstance(q, dict) or not isinstance(q.get("query"), str):
                raise BadRequest(f"queries: {key!r} has no string 'query' (nor properties)")
            types = _types_of(q.get("type"), key)
            strict = q.get("type_strict", "any")
            if strict not in STRICTNESS:
                raise BadRequest(f"queries: {key!r} has type_strict {strict!r} "
                                 f"(one of {', '.join(STRICTNESS)})")
            limit = q.get("limit", 5)
            # The schema's "integer": a whole number (2.0 is one; NaN, Infinity, 2.5 and true,
            # which Python's json reads too, are not).
            whole = isinstance(limit, int) or (isinstance(limit, float) and limit.is_integer())
            if isinstance(limit, bool) or not whole or limit < 1:
                raise BadRequest(f"queries: {key!r} has limit {limit!r} (a positive integer)")
            props = q.get("properties", [])
            if not isinstance(props, list):
                raise BadRequest(f"queries: {key!r}: properties must be a list")
            if _value_count(props) > MAX_PROPERTIES:
                raise BadRequest(f"queries: {key!r} gives {_value_count(props)} property "
                                 f"values; at most {MAX_PROPERTIES}")
            for prop in props:  # the 0.2 query schema: objects with a string pid and a v
                if not (isinstance(prop, dict) and isinstance(prop.get("pid"), str)
                        and "v" in prop):
                    raise BadRequest(f"queries: {key!r}: the property {prop!r} is not an "
                                     "object with a string 'pid' and a 'v'")
            # With property values, the candidate that has them may rank below the limit on
            # its name alone: rank as many as allowed, refine, then cut.
            wanted = min(int(limit), MAX_LIMIT)
            groups.setdefault((types, strict, MAX_LIMIT if props else wanted), []).append(
                (key, q["query"], props, wanted))
        out: dict[str, Any] = {key: {"result": self._by_properties(key, q)}
                               for key, q in by_properties.items()}
        for (types, strict, limit), items in groups.items():
            ranked = self._rank_types([text for _, text, _, _ in items], types, strict, limit)
            for (key, _, props, wanted), candidates in zip(items, ranked, strict=True):
                if props:
                    candidates = self._with_code_holders(candidates, props, types, strict)
                out[key] = {"result": [self._candidate(c) for c in
                                       self._refine(candidates, props)[:wanted]]}
        return out

    def _rank_types(self, texts: list[str], types: tuple[str, ...], strict: str,
                    limit: int) -> list[list[Candidate]]:
        """Candidates of the named types as type_strict says (STRICTNESS)."""
        if strict == "all":  # an entity of every named type is one of the first type
            types = types[:1] if len(set(types)) == 1 else types
            with self.lock:
                ranked = self.ranker.rank(texts, types[0], MAX_LIMIT if len(types) > 1 else limit)
            return [[c for c in found if all(t in self.types_of[c.entity] for t in types)][:limit]
                    for found in ranked]
        asked = list(dict.fromkeys(types))
        ranked_types = asked + ([t for t in TYPES if t not in asked] if strict == "should" else [])
        merged: list[list[Candidate]] = [[] for _ in texts]
        for type_key in ranked_types:
            with self.lock:
                ranked = self.ranker.rank(texts, type_key, limit)
            for into, found in zip(merged, ranked, strict=True):
                if type_key not in asked:
                    for c in found:
                        c.match = False
                        c.raw *= SHOULD_FACTOR
                into.extend(found)
        if len(ranked_types) == 1:
            return merged
        out = []
        for found in merged:
            # Merged by raw score, the one scale all types share: each type's shown scores are
            # out of its own best (rank.py), and merging by them put SOC and ESCO entities at
            # raw 2.5 before Critical Care Nurses at 3.21 for "registered nurse" (session 35's
            # review). A candidate's level is the highest raw score at or after it in its
            # type's list, so each type keeps its own order (session 32's second audit: SOC's
            # broad group 29-1140 came back before its detailed 29-1141 "Registered Nurses",
            # which its type had put first); ties keep the types' order.
            level: dict[int, float] = {}
            place: dict[int, int] = {}
            running: dict[str, float] = {}
            for k, c in reversed(list(enumerate(found))):
                running[c.type] = level[id(c)] = max(c.raw, running.get(c.type, 0.0))
                place[id(c)] = k
            found.sort(key=lambda c: (-level[id(c)], place[id(c)]))
            # the shown scores again, on that one scale (rank.py's rule, over all of them; an
            # unnamed type's raw before its x0.8, so it shows at most 80)
            full = max([SCORE_FULL] + [c.raw / (1.0 if c.type in asked else SHOULD_FACTOR)
                                       for c in found])
            for c in found:
                c.score = round(100.0 * level[id(c)] / full, 2)
            # `match` was decided within one type; across the types asked for it needs the
            # same lead over the best of the others. A type only ranked after them
            # (type_strict "should") cannot match and does not hold one back: O*NET's
            # 29-1141.00 "Registered Nurses" kept SOC's 29-1141 from matching.
            for c in found[1:]:
                c.match = False
            if found and found[0].match:
                others = [c.raw for c in found[1:] if c.type != found[0].type and c.type in asked]
                found[0].match = found[0].coded or not others or (
                    found[0].raw - max(others) >= MATCH_MARGIN)
            out.append(found[:limit])
        return out

    def _by_properties(self, key: str, q: dict[str, Any]) -> list[dict[str, Any]]:
        """A query of property values alone (no text): the entities of its type that hold the
        most of them, scored by the share held, in id order within; a match when one entity
        alone holds them all. Regression (session 29's audit): it was refused, though the 0.2
        schema allows it ("at least one of query or properties")."""
        type_key = _types_of(q.get("type"), key)[0]
        limit = q.get("limit", 5)
        # a whole number, as for text queries (2.0 was refused here, taken there)
        whole = isinstance(limit, int) or (isinstance(limit, float) and limit.is_integer())
        if isinstance(limit, bool) or not whole or limit < 1:
            raise BadRequest(f"queries: {key!r} has limit {limit!r} (a positive integer)")
        limit = int(limit)
        props = q["properties"]
        if not isinstance(props, list):
            raise BadRequest(f"queries: {key!r}: properties must be a list")
        if _value_count(props) > MAX_PROPERTIES:
            # each was evaluated on every entity of the type: 30,000 took 111 s of one request
            raise BadRequest(f"queries: {key!r} gives {_value_count(props)} property values; "
                             f"at most {MAX_PROPERTIES}")
        wanted = []
        for p in props:
            if not (isinstance(p, dict) and isinstance(p.get("pid"), str) and "v" in p):
                raise BadRequest(f"queries: {key!r}: the property {p!r} is not an object with "
                                 "a string 'pid' and a 'v'")
            if p["pid"] not in PROPERTIES:
                raise BadRequest(f"queries: {key!r}: unknown property {p['pid']!r} "
                                 f"(one of {', '.join(PROPERTIES)})")
            values = p["v"] if isinstance(p["v"], list) else [p["v"]]
            wanted.append((PROPERTIES[p["pid"]], _comparable(
                str(v.get("id") if isinstance(v, dict) else v) for v in values)))
        # Counted through each property's values of the type's entities, made once: every
        # query evaluated every property on every entity (1,000 two-property queries, 8.6 s).
        counts: dict[int, int] = {}
        for prop, values in wanted:
            holders = self._value_holders(type_key, prop)
            for number in set().union(*(holders.get(v, ()) for v in values)):
                counts[number] = counts.get(number, 0) + 1
        held = sorted((-count, self.index.entities[number].id, number)
                      for number, count in counts.items())
        out = []
        for n, (count, _, number) in enumerate(held[:min(limit, MAX_LIMIT)]):
            entity = self.index.entities[number]
            alone = n == 0 and -count == len(wanted) and (len(held) < 2 or held[1][0] > count)
            out.append({"id": entity.id, "name": entity.name,
                        "score": round(100.0 * -count / len(wanted), 2), "match": alone,
                        "type": [{"id": t, "name": TYPES[t].name}
                                 for t in self.types_of[number]]})
        return out

    def _value_holders(self, type_key: str, prop: Any) -> dict[str, list[int]]:
        """A property's comparable values of the type's entities -> the entities holding them."""
        key = (type_key, prop.id)
        with self.lock:
            found = self._holders.get(key)
            if found is None:
                found = self._holders[key] = {}
                for number, entity in enumerate(self.index.entities):
                    if entity.type == type_key:
                        for value in _comparable(prop.value(self.index, number)):
                            found.setdefault(value, []).append(number)
        return found

    def _refine(self, candidates: list[Candidate], props: list[Any]) -> list[Candidate]:
        """Property values the query gives put the candidates that have the most of them first
        (in their order by name) and add 10 points to their score. Regression (session 27's
        audit): the 10 points alone, capped at 100, moved nothing when the leaders were at 100
        ("nurse" with soc2018=29-2061 kept Licensed Practical Nurses fourth)."""
        wanted = _wanted_values(props)
        if not wanted:
            return candidates
        held: dict[int, int] = {}
        for c in candidates:
            held[id(c)] = sum(bool(_comparable(prop.value(self.index, c.entity)) & vals)
                              for prop, vals in wanted)
        ordered = sorted(candidates, key=lambda c: -held[id(c)])  # stable: by name within
        # Scores follow the order, so a client that sorts by score keeps it (the second
        # audit: 95.61 was listed before 100): a candidate with the values gets 10 more, and
        # one with fewer is shown at most as high as the one before it. Regression (session
        # 35's review): lifting the holders to the best score below them showed Chief
        # Executives at 100 for "registered nurse" with soc2018=11-1011, an entity the text
        # never found; now it is at 10, and Registered Nurses below it at most 10.
        ceiling = 100.0
        for c in ordered:
            if held[id(c)]:
                c.score = min(100.0, c.score + 10.0)
            ceiling = c.score = round(min(c.score, ceiling), 2)
        for c in ordered[1:]:  # a match is the first candidate's only
            c.match = False
        return ordered

    def _with_code_holders(self, candidates: list[Candidate], props: list[Any],
                           types: tuple[str, ...], strict: str) -> list[Candidate]:
        """`candidates` and, after them, the entities of the asked types that hold a code the
        query gives (soc2018, onet, isco08, esco; at most MAX_LIMIT of each type, those that
        hold the most first) but whose names did not rank: `_refine` then puts them first.
        Regression (session 35's audit): a code only reordered the candidates the text had
        found, so "x" with onet=29-1171.00 never gave 29-1171.00, the one entity of that code,
        and a spreadsheet of titles and codes still needed a person on each misspelt row.
        Figures (median-wage, job-zone) are held by hundreds and add no one. With type_strict
        "all", only entities of every type asked (the review: O*NET-only entities came back
        for an O*NET-and-ESCO query)."""
        codes = [(prop, values) for prop, values in _wanted_values(props) if prop.type]
        if not codes:
            return candidates
        present = {c.entity for c in candidates}
        added: list[Candidate] = []
        for type_key in dict.fromkeys(types):
            counts: dict[int, int] = {}
            for prop, values in codes:
                holders = self._value_holders(type_key, prop)
                for number in set().union(*(holders.get(v, ()) for v in values)):
                    if strict != "all" or all(t in self.types_of[number] for t in types):
                        counts[number] = counts.get(number, 0) + 1
            for _, _, number in sorted((-n, self.index.entities[number].id, number)
                                       for number, n in counts.items())[:MAX_LIMIT]:
                if number not in present:
                    entity = self.index.entities[number]
                    added.append(Candidate(number, entity.id, entity.name, entity.type, 0.0))
                    present.add(number)
        return candidates + added

    def _candidate(self, c: Candidate) -> dict[str, Any]:
        return {"id": c.id, "name": c.name, "score": c.score, "match": c.match,
                "type": [{"id": t, "name": TYPES[t].name} for t in self.types_of[c.entity]]}

    # -- suggest ----------------------------------------------------------------------------
    def suggest_entity(self, prefix: str, type_key: str | None,
                       cursor: int = 0) -> dict[str, Any]:
        """SUGGESTED entities from `cursor` on. An id's beginning ("29-1141") suggests the
        entities whose id starts so, in id order; other text is ranked as a query.
        Regressions (session 29's audit): the cursor was ignored, and an id gave nothing."""
        type_key = _type_of(type_key, "type")
        text = prefix.strip()
        if not text:
            return {"result": []}
        # An id's beginning: a code, or an IRI past its scheme's common part ("h" listed every
        # ESCO occupation by URI, "technical director" first; session 30's attack).
        coded = sorted((e.id, n) for n, e in enumerate(self.index.entities)
                       if e.type == type_key and e.id.lower().startswith(text.lower())
                       ) if self._could_be_an_id(text, type_key) else []
        if coded:
            chosen = [self.index.entities[n] for _, n in coded[cursor:cursor + SUGGESTED]]
        else:
            # The labels that hold the typed words, the last as a word's beginning, then the
            # ranker's candidates for the text as a query (a misspelt word still finds its
            # title). One order for every page: ranked with limit cursor + 10, the order moved
            # with the cursor, and pages skipped and repeated entities (the second audit:
            # "teacher" as ESCO occupations). MAX_LIMIT candidates are the ranker's pages.
            with self.lock:
                if self._suggester is None:
                    self._suggester = PrefixSuggester(self.index)
                ranked = [c.entity for c in self.ranker.rank([text], type_key, MAX_LIMIT)[0]]
                order = list(dict.fromkeys([
                    *self._suggester.suggest(prefix, type_key, ranked), *ranked]))
            chosen = [self.index.entities[n] for n in order[cursor:cursor + SUGGESTED]]
        return {"result": [{"id": e.id, "name": e.name,
                            "notable": [{"id": e.type, "name": TYPES[e.type].name}]}
                           for e in chosen]}

    def _could_be_an_id(self, text: str, type_key: str) -> bool:
        """Longer than what every id of the type shares: "h" to
        "http://data.europa.eu/esco/occupation/" is every ESCO occupation's beginning, and
        listed them all by URI, "technical director" first (session 30's attack and its
        second audit)."""
        shared = self._shared_id_start.get(type_key)
        if shared is None:
            ids = [e.id.lower() for e in self.index.entities if e.type == type_key]
            shared = self._shared_id_start[type_key] = os.path.commonprefix(ids) \
                if len(ids) > 1 else ""
        return not shared.startswith(text.lower())

    def suggest_type(self, prefix: str) -> dict[str, Any]:
        p = prefix.lower()
        return {"result": [{"id": t.key, "name": t.name} for t in TYPES.values()
                           if p in t.name.lower() or p in t.key]}

    def suggest_property(self, prefix: str) -> dict[str, Any]:
        p = prefix.lower()
        return {"result": [{"id": q.id, "name": q.name} for q in PROPERTIES.values()
                           if p in q.name.lower() or p in q.id]}

    def propose(self, type_key: str | None, limit: str | None = None) -> dict[str, Any]:
        """The properties data extension gives for entities of the type: the occupation
        properties for occupation types, none for skills, elements or credentials (they have
        no codes in the other taxonomies). Regression (session 29's audit): every type was
        offered the six occupation properties, which then extended a skill with nothing; and
        `limit` was ignored."""
        key = _type_of(type_key, "type")
        count = len(PROPERTIES)
        if limit is not None:
            if not (limit.isascii() and limit.isdigit() and len(limit) <= 9) or int(limit) < 1:
                raise BadRequest(f"extend/propose: limit {limit!r} is not a positive integer")
            count = int(limit)
        found = list(PROPERTIES.values()) if TYPES[key].occupation else []
        out: dict[str, Any] = {"type": key,
                               "properties": [{"id": p.id, "name": p.name}
                                              for p in found[:count]]}
        if limit is not None:
            out["limit"] = count
        return out

    # -- extend -----------------------------------------------------------------------------
    def extend(self, raw: str) -> dict[str, Any]:
        request = _json_object(raw, "extend")
        ids, props = request.get("ids"), request.get("properties")
        if not isinstance(ids, list) or not isinstance(props, list):
            raise BadRequest("extend: needs 'ids' and 'properties' lists")
        # Regression (session 29's attack): [1, null] gave rows "1" and "None"
        strange = [i for i in ids if not isinstance(i, str)]
        if strange:
            raise BadRequest(f"extend: ids must be strings, got {strange[0]!r}")
        wanted = []
        for p in props:
            pid = p.get("id") if isinstance(p, dict) else None
            if not isinstance(pid, str) or pid not in PROPERTIES:  # a list or object: no key
                raise BadRequest(f"extend: unknown property {pid!r} "
                                 f"(one of {', '.join(PROPERTIES)})")
            wanted.append(PROPERTIES[pid])
        rows: dict[str, Any] = {}
        for entity_id in ids:
            number = self.any_id.get(str(entity_id))
            rows[str(entity_id)] = {
                p.id: [self._cell(p, v) for v in (p.value(self.index, number)
                                                  if number is not None else [])]
                for p in wanted
            }
        meta = []
        for p in wanted:
            item: dict[str, Any] = {"id": p.id, "name": p.name}
            if p.type:
                item["type"] = {"id": p.type, "name": TYPES[p.type].name}
            meta.append(item)
        return {"meta": meta, "rows": rows}

    def _cell(self, prop: Property, value: str) -> dict[str, Any]:
        """One value as the 0.2 data extension types it: an id of a reconciliation type as
        {"id", "name"} (a client then has a reconciled column), a plain figure as a number, and
        a qualified one ("239200 or more", "42210 (of its group, SOC 51-2090)") as text.
        Regression (session 29's audit): every value was {"str"}."""
        if prop.type:
            number = self.any_id.get(value)
            if number is not None:
                return {"id": value, "name": self.index.entities[number].name}
        elif prop.number is not None:
            try:
                figure = prop.number(value)
            except ValueError:
                pass
            else:
                return {"int": figure} if prop.number is int else {"float": figure}
        return {"str": value}

    def entity_iris(self, entity_id: str) -> list[tuple[str, str, str]]:
        """(IRI, name, type name) of each entity with this id (or IRI), for the manifest's
        view: one, or several where types share an id."""
        numbers = self.all_of_id.get(entity_id) or (
            [self.any_id[entity_id]] if entity_id in self.any_id else [])
        return [(self.index.entities[n].iri, self.index.entities[n].name,
                 TYPES[self.index.entities[n].type].name) for n in numbers]

    # -- preview ----------------------------------------------------------------------------
    def preview(self, entity_id: str) -> str | None:
        number = self.any_id.get(entity_id)
        if number is None:
            return None
        e = self.index.entities[number]
        codes = []
        # An O*NET-SOC specialty (xx-xxxx.01, ...) has its SOC code's wage: named here, as its
        # page says "broader" (session 35's audit: Baristas' bare 30480 read as their own).
        specialty = e.type == "onet-occupation" and not e.id.endswith(".00")
        for p in PROPERTIES.values():
            values = p.value(self.index, number)
            if values and p.id == "median-wage" and specialty:
                values = [v if "(" in v else f"{v} (of SOC {e.id[:7]})" for v in values]
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


def manifest(root: str) -> dict[str, Any]:
    """The service manifest; `root` is the public URL of /reconcile (no trailing slash)."""
    return {
        "versions": ["0.2"],
        "name": "occupation-kg reconciliation (O*NET, ESCO, SOC, ISCO, occupation-kg)",
        "identifierSpace": "https://w3id.org/occupation-kg/reconcile/ids",
        "schemaSpace": "https://w3id.org/occupation-kg/ontology#",
        # A URL (the 0.2 manifest schema); what the text said is on that page now.
        # Regression (session 29's audit): OpenRefine showed this text as a broken link.
        "documentation": f"{root}/form",
        "defaultTypes": [{"id": t.key, "name": t.name} for t in TYPES.values()],
        "view": {"url": f"{root}/view?id={{{{id}}}}"},
        "preview": {"url": f"{root}/preview?id={{{{id}}}}", "width": 400,
                    "height": 200},
        "suggest": {
            "entity": {"service_url": root, "service_path": "/suggest/entity"},
            "type": {"service_url": root, "service_path": "/suggest/type"},
            "property": {"service_url": root, "service_path": "/suggest/property"},
        },
        "extend": {
            "propose_properties": {"service_url": root,
                                   "service_path": "/extend/propose"},
            "property_settings": [],
        },
    }


def documentation() -> str:
    """How ids read and when `match` is true (the form page shows it)."""
    ids = "; ".join(f"{t.name}: {t.ids}" for t in TYPES.values())
    return (f"Ids: {ids}. match is true when the best "
            f"candidate's raw score leads the runner-up's by >= {MATCH_MARGIN:g} "
            f"and >= {MATCH_SUPPORT:g} of it comes from two or more of its own "
            "near-identical titles (one, for an entity with at most two titles), "
            "and, for O*NET-SOC occupations (re-ranked by a model trained on the "
            "index's own titles), it is also the raw score's best (a lead "
            f"of >= {MATCH_MARGIN_RERANKED:g} with >= {MATCH_SUPPORT_RERANKED:g} "
            "from its near-identical titles suffices there), the model gives it "
            f"a probability >= {MATCH_PROB:g} and the runner-up at most "
            f"{MATCH_RATIO:g} of its own; "
            "or the query is its id. type_strict: any (default), all, should "
            "(unnamed types "
            f"score x{SHOULD_FACTOR:g}, never match).")


def _wanted_values(props: list[Any]) -> list[tuple[Property, set[str]]]:
    """The known properties a query gives, with their values in comparable form."""
    wanted = []
    for p in props:
        if isinstance(p, dict) and not isinstance(p.get("pid"), str | None):
            raise BadRequest(f"queries: a property's pid must be a string, got {p['pid']!r}")
        if isinstance(p, dict) and p.get("pid") in PROPERTIES:
            values = p.get("v") if isinstance(p.get("v"), list) else [p.get("v")]
            wanted.append((PROPERTIES[p["pid"]], _comparable(
                str(v.get("id") if isinstance(v, dict) else v) for v in values)))
    return wanted


def _types_of(value: Any, where: str) -> tuple[str, ...]:
    """The query's type or list of types (a type is a key or a {"id": key} object)."""
    values = value if isinstance(value, list) else [value]
    values = [v.get("id") if isinstance(v, dict) else v for v in values]
    if not [v for v in values if v not in (None, "")]:
        return (DEFAULT_TYPE,)
    return tuple(_type_of(v, where) for v in values if v not in (None, ""))


def _type_of(value: Any, where: str) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, ""):
        return DEFAULT_TYPE
    if not isinstance(value, str) or value not in TYPES:  # a list or object: no key
        raise BadRequest(f"{where}: unknown type {value!r} (one of {', '.join(TYPES)})")
    return str(value)


def _json_object(raw: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(f"{name}: not JSON: {exc}") from exc
    except RecursionError as exc:  # 100,000 nested brackets
        raise BadRequest(f"{name}: JSON nested too deeply") from exc
    if not isinstance(value, dict):
        raise BadRequest(f"{name}: expected a JSON object")
    return value
