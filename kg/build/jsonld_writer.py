"""kg.jsonld: compact JSON-LD in the project's context, written one subject at a time.

Every build size takes this one writer. It reads pyoxigraph's triples already grouped by subject
(kg.nt's sorted lines, or a pyoxigraph store's subject index) and writes one node object per
subject on its own line, so memory holds one subject, not the graph.

The compaction is the plain JSON-LD 1.1 algorithm for a context of prefixes only (the project's
context has no term definitions): IRIs become compact IRIs `prefix:suffix` with the longest
matching prefix (`id:occupation/x`, `skos:prefLabel`), `rdf:type` becomes `@type`, one value is
written bare and several as a sorted array, a plain string literal is a JSON string, a literal with
a language or a datatype a value object. JSON-LD processors (PyLD, rdflib, jsonld.js) expand it
back to the same triples; the tests check that with PyLD.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from pyoxigraph import BlankNode, Literal, NamedNode

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

Term = NamedNode | BlankNode | Literal  # pyoxigraph's terms, as the store and its parser give them


class IriCompactor:
    """Compact IRIs with the longest prefix of a prefix-only context."""

    def __init__(self, context: dict[str, str]):
        # Longest namespace first, so `id:` never wins over a longer, more specific prefix.
        self.prefixes = sorted(
            ((name, ns) for name, ns in context.items() if isinstance(ns, str)),
            key=lambda item: (-len(item[1]), item[0]),
        )
        self._cache: dict[str, str] = {}

    def __call__(self, iri: str) -> str:
        found = self._cache.get(iri)
        if found is None:
            found = iri
            for name, namespace in self.prefixes:
                suffix = iri[len(namespace):]
                # A suffix starting with "//" would read as an authority (JSON-LD 1.1, 4.2.2).
                if iri.startswith(namespace) and suffix and not suffix.startswith("//"):
                    found = f"{name}:{suffix}"
                    break
            if len(self._cache) < 200_000:
                self._cache[iri] = found
        return found


def _node_ref(term: NamedNode | BlankNode, compact: IriCompactor) -> str:
    return compact(term.value) if type(term) is NamedNode else "_:" + term.value


def _value(term: Term, compact: IriCompactor) -> Any:
    if type(term) is not Literal:
        return {"@id": _node_ref(term, compact)}
    language = term.language
    if language:
        return {"@value": term.value, "@language": language}
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return term.value
    return {"@value": term.value, "@type": compact(datatype)}


def _sort_key(value: Any) -> tuple[int, str, str, str]:
    """Plain strings first, then node references, then value objects; each by its text."""
    if isinstance(value, str):
        return (0, value, "", "")
    if "@id" in value:
        return (1, value["@id"], "", "")
    return (2, value["@value"], value.get("@language", ""), value.get("@type", ""))


def node_object(subject: NamedNode | BlankNode, pairs: Iterable[tuple[NamedNode, Term]],
                compact: IriCompactor) -> dict[str, Any]:
    """One subject's triples as a compacted node object, keys and values in a stable order."""
    types: set[str] = set()
    properties: dict[str, list[Any]] = {}
    for predicate, obj in pairs:
        iri = predicate.value
        if iri == RDF_TYPE and type(obj) is not Literal:
            types.add(_node_ref(obj, compact))
            continue
        key = compact(iri)
        found = properties.get(key)
        if found is None:
            properties[key] = [_value(obj, compact)]
        else:
            found.append(_value(obj, compact))
    node: dict[str, Any] = {"@id": _node_ref(subject, compact)}
    if types:
        ordered = sorted(types)
        node["@type"] = ordered[0] if len(ordered) == 1 else ordered
    for key in sorted(properties):
        values = properties[key]
        if len(values) == 1:
            node[key] = values[0]
        else:
            unique = sorted({_sort_key(v): v for v in values}.items())
            node[key] = unique[0][1] if len(unique) == 1 else [v for _, v in unique]
    return node


def group_by_subject(
    triples: Iterable[tuple[Term, NamedNode, Term]],
) -> Iterator[tuple[NamedNode | BlankNode, list[tuple[NamedNode, Term]]]]:
    """Consecutive triples with the same subject, as (subject, [(predicate, object)]); a
    subject that comes back (its triples were not consecutive) is refused: one node object per
    subject is what the writer promises."""
    seen: set[str] = set()
    current: Any = None
    pairs: list[tuple[NamedNode, Term]] = []
    for s, p, o in triples:
        if s != current:
            if current is not None:
                yield current, pairs
            key = str(s)
            if key in seen:
                raise RuntimeError(f"{s.value} came twice: the triples are not grouped by "
                                   "subject")
            seen.add(key)
            current, pairs = s, []
        pairs.append((p, o))
    if current is not None:
        yield current, pairs


# json.dumps builds an encoder per call when given options; one shared encoder is 10% faster.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def write_compact_jsonld(
    groups: Iterable[tuple[NamedNode | BlankNode, list[tuple[NamedNode, Term]]]],
    context: dict[str, str], out: IO[str],
) -> int:
    """Write `{"@context": …, "@graph": [one node per line]}`; returns the number of nodes.

    `groups` must give each subject once (all its triples together), in a stable order.
    """
    compact = IriCompactor(context)
    out.write('{"@context": ' + json.dumps(context, sort_keys=True, ensure_ascii=False)
              + ',\n "@graph": [')
    count = 0
    for subject, pairs in groups:
        out.write(",\n  " if count else "\n  ")
        out.write(_encode(node_object(subject, pairs, compact)))
        count += 1
    out.write("\n ]\n}\n")
    return count
